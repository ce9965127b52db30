import { describe, it, expect } from '@jest/globals';
import type { KubeObject } from '../client/index.js';
import type { ObjectEvent } from '../handler/index.js';
import {
  and,
  annotationsChanged,
  eventTypes,
  generationChanged,
  labelSelector,
  labelsChanged,
  not,
  or,
  resourceVersionChanged,
} from './index.js';

const obj = (meta: Partial<KubeObject['metadata']>): KubeObject => ({
  metadata: { name: 'a', namespace: 'ns', ...meta },
});
const update = (o: Partial<KubeObject['metadata']>, n: Partial<KubeObject['metadata']>): ObjectEvent => ({
  type: 'update',
  objectOld: obj(o),
  objectNew: obj(n),
});
const create = (meta: Partial<KubeObject['metadata']> = {}): ObjectEvent => ({
  type: 'create',
  object: obj(meta),
  isInInitialList: false,
});

describe('change predicates', () => {
  it('generationChanged passes spec changes only, and all non-updates', () => {
    const p = generationChanged();
    expect(p(update({ generation: 1 }, { generation: 2 }))).toBe(true);
    expect(p(update({ generation: 1, resourceVersion: '1' }, { generation: 1, resourceVersion: '2' }))).toBe(
      false,
    );
    expect(p(create())).toBe(true);
    expect(p({ type: 'delete', object: obj({}), deleteStateUnknown: false })).toBe(true);
  });

  it('labelsChanged and annotationsChanged compare maps by content', () => {
    expect(labelsChanged()(update({ labels: { a: '1' } }, { labels: { a: '1' } }))).toBe(false);
    expect(labelsChanged()(update({ labels: { a: '1' } }, { labels: { a: '2' } }))).toBe(true);
    expect(labelsChanged()(update({}, { labels: { a: '1' } }))).toBe(true);
    expect(labelsChanged()(update({}, { labels: {} }))).toBe(false);
    expect(annotationsChanged()(update({ annotations: { x: 'y' } }, {}))).toBe(true);
    expect(annotationsChanged()(update({ annotations: { x: 'y' } }, { annotations: { x: 'y' } }))).toBe(
      false,
    );
  });

  it('resourceVersionChanged drops resyncs', () => {
    expect(resourceVersionChanged()(update({ resourceVersion: '5' }, { resourceVersion: '5' }))).toBe(false);
    expect(resourceVersionChanged()(update({ resourceVersion: '5' }, { resourceVersion: '6' }))).toBe(true);
  });
});

describe('labelSelector', () => {
  it('matches selector strings against the (new) object', () => {
    const p = labelSelector('app=web,tier!=db');
    expect(p(create({ labels: { app: 'web' } }))).toBe(true);
    expect(p(create({ labels: { app: 'web', tier: 'db' } }))).toBe(false);
    expect(p(update({ labels: { app: 'web' } }, { labels: { app: 'api' } }))).toBe(false);
    expect(labelSelector('')(create())).toBe(true);
  });

  it('matches structured selectors', () => {
    const p = labelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'stage'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    expect(p(create({ labels: { app: 'web', env: 'prod' } }))).toBe(true);
    expect(p(create({ labels: { app: 'web', env: 'dev' } }))).toBe(false);
    expect(p(create({ labels: { app: 'web', env: 'prod', legacy: '' } }))).toBe(false);
    expect(
      labelSelector({ matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['1'] }] })(create()),
    ).toBe(true);
    expect(labelSelector({ matchExpressions: [{ key: 'x', operator: 'Exists' }] })(create())).toBe(false);
  });
});

describe('combinators', () => {
  it('and / or / not / eventTypes', () => {
    const yes = (): boolean => true;
    const no = (): boolean => false;
    const e = create();
    expect(and(yes, yes)(e)).toBe(true);
    expect(and(yes, no)(e)).toBe(false);
    expect(and()(e)).toBe(true);
    expect(or(no, yes)(e)).toBe(true);
    expect(or()(e)).toBe(false);
    expect(not(no)(e)).toBe(true);
    expect(eventTypes('update')(e)).toBe(false);
    expect(
      or(not(eventTypes('update')), generationChanged())(update({ generation: 1 }, { generation: 1 })),
    ).toBe(false);
  });
});
