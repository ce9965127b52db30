import { describe, expect, it } from '@jest/globals';
import { Indexer, objectKey, splitObjectKey, NAMESPACE_INDEX } from './store.js';
import { cm } from './__tests__/fake-collection.js';

describe('Indexer', () => {
  it('keys objects namespace/name, or name when cluster-scoped', () => {
    expect(objectKey(cm('a', 'ns1'))).toBe('ns1/a');
    expect(objectKey({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(splitObjectKey('ns1/a')).toEqual({ namespace: 'ns1', name: 'a' });
    expect(splitObjectKey('node-1')).toEqual({ namespace: '', name: 'node-1' });
  });

  it('adds, updates, deletes and keeps the namespace index current', () => {
    const ix = new Indexer();
    ix.add(cm('a', 'x'));
    ix.add(cm('b', 'x'));
    ix.add(cm('c', 'y'));
    expect(
      ix
        .byIndex(NAMESPACE_INDEX, 'x')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['a', 'b']);
    const old = ix.update(cm('a', 'x', { data: { k: 'v' } }));
    expect(old?.data).toBeUndefined();
    expect(ix.get('x/a')?.data).toEqual({ k: 'v' });
    expect(ix.getByName('x', 'a')).toBe(ix.get('x/a'));
    expect(ix.delete(cm('b', 'x'))?.metadata.name).toBe('b');
    expect(ix.delete('x/b')).toBeUndefined();
    expect(ix.byIndex(NAMESPACE_INDEX, 'x').map((o) => o.metadata.name)).toEqual(['a']);
    expect(ix.indexValues(NAMESPACE_INDEX).sort()).toEqual(['x', 'y']);
    expect(ix.size).toBe(2);
    expect(ix.listKeys().sort()).toEqual(['x/a', 'y/c']);
  });

  it('maintains custom multi-valued indexes through updates, and indexes existing objects when added late', () => {
    const byOwner = (o: { metadata: { ownerReferences?: { uid: string }[] } }) =>
      (o.metadata.ownerReferences ?? []).map((r) => r.uid);
    const ix = new Indexer({ owner: byOwner });
    const owned = (name: string, uids: string[]) =>
      cm(name, 'ns', {}) && {
        ...cm(name, 'ns'),
        metadata: {
          name,
          namespace: 'ns',
          ownerReferences: uids.map((uid) => ({ apiVersion: 'v1', kind: 'X', name: 'o', uid })),
        },
      };
    ix.add(owned('a', ['u1', 'u2']));
    ix.add(owned('b', ['u2']));
    expect(ix.byIndex('owner', 'u2').length).toBe(2);
    ix.update(owned('a', ['u3']));
    expect(ix.indexKeys('owner', 'u1')).toEqual([]);
    expect(ix.indexKeys('owner', 'u2')).toEqual(['ns/b']);
    expect(ix.indexKeys('owner', 'u3')).toEqual(['ns/a']);
    ix.addIndexers({ label: (o) => [o.metadata.name ?? ''] });
    expect(ix.indexKeys('label', 'b')).toEqual(['ns/b']);
    expect(() => ix.addIndexers({ label: () => [] })).toThrow(/already exists/);
    expect(() => ix.byIndex('nope', 'x')).toThrow(/does not exist/);
  });

  it('replace swaps the content, rebuilds indexes and returns the previous content', () => {
    const ix = new Indexer();
    ix.add(cm('a'));
    ix.add(cm('b'));
    const prev = ix.replace([cm('b'), cm('c', 'other')]);
    expect([...prev.keys()].sort()).toEqual(['default/a', 'default/b']);
    expect(ix.listKeys().sort()).toEqual(['default/b', 'other/c']);
    expect(ix.byIndex(NAMESPACE_INDEX, 'default').map((o) => o.metadata.name)).toEqual(['b']);
  });
});
