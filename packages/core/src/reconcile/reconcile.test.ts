import { describe, it, expect } from '@jest/globals';
import {
  TerminalError,
  isTerminalError,
  reconcilerFrom,
  requestForObject,
  requestFromKey,
  requestKey,
} from './index.js';
import { silentLogger } from '../log/index.js';

describe('requests', () => {
  it('round-trips keys for namespaced and cluster-scoped requests', () => {
    expect(requestKey({ namespace: 'ns', name: 'a' })).toBe('ns/a');
    expect(requestKey({ namespace: '', name: 'node1' })).toBe('node1');
    expect(requestFromKey('ns/a')).toEqual({ namespace: 'ns', name: 'a' });
    expect(requestFromKey('node1')).toEqual({ namespace: '', name: 'node1' });
    expect(requestForObject({ metadata: { name: 'x' } })).toEqual({ namespace: '', name: 'x' });
  });
});

describe('TerminalError', () => {
  it('is found through cause chains', () => {
    const t = new TerminalError('bad spec');
    expect(isTerminalError(t)).toBe(true);
    expect(isTerminalError(new Error('wrapped', { cause: t }))).toBe(true);
    expect(isTerminalError(new Error('plain'))).toBe(false);
    expect(isTerminalError('str')).toBe(false);
    expect(TerminalError.wrap(new Error('x')).cause).toBeInstanceOf(Error);
  });
});

describe('reconcilerFrom', () => {
  it('wraps a function', async () => {
    const r = reconcilerFrom(async (req) => ({ requeueAfter: req.name.length }));
    const ctx = {
      signal: new AbortController().signal,
      logger: silentLogger(),
      reconcileID: 'x',
      controllerName: 'c',
    };
    await expect(r.reconcile({ namespace: '', name: 'abc' }, ctx)).resolves.toEqual({ requeueAfter: 3 });
  });
});
