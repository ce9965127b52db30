import { describe, it, expect } from '@jest/globals';
import { ApiError } from '../api/index.js';
import { applyJsonPatch, applyMergePatch } from './index.js';

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('applyJsonPatch', () => {
  const original = { metadata: { name: 'a', labels: { x: '1' } }, spec: { replicas: 1, items: [1, 2] } };

  it('applies operations without changing the input', () => {
    const result = applyJsonPatch(
      original,
      JSON.stringify([
        { op: 'replace', path: '/spec/replicas', value: 3 },
        { op: 'add', path: '/spec/items/-', value: 3 },
        { op: 'remove', path: '/metadata/labels/x' },
        { op: 'test', path: '/spec/replicas', value: 3 },
      ]),
    );
    expect(result).toEqual({ metadata: { name: 'a', labels: {} }, spec: { replicas: 3, items: [1, 2, 3] } });
    expect(original.spec.replicas).toBe(1);
  });

  it('answers a failing test with 422 as kube-apiserver', () => {
    const err = failure(() => applyJsonPatch(original, [{ op: 'test', path: '/spec/replicas', value: 2 }]));
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toBe('the server rejected our request due to an error in our request');
    expect(err.status.details?.causes?.[0]?.message).toBe('testing value /spec/replicas failed: test failed');
  });

  it('answers a missing path with 422', () => {
    expect(failure(() => applyJsonPatch(original, [{ op: 'remove', path: '/spec/nope' }])).code).toBe(422);
    expect(failure(() => applyJsonPatch(original, [{ op: 'add', path: '/a/b/c', value: 1 }])).code).toBe(422);
    expect(failure(() => applyJsonPatch(original, [{ op: 'frob', path: '/a' }])).code).toBe(422);
  });

  it('answers bodies that are no patch with 400', () => {
    expect(failure(() => applyJsonPatch(original, 'not json')).code).toBe(400);
    expect(failure(() => applyJsonPatch(original, '{"op":"add"}')).message).toMatch(
      /cannot unmarshal object/,
    );
  });
});

describe('applyMergePatch', () => {
  it('merges objects, deletes with null and replaces lists', () => {
    const original = { a: { b: 1, c: 2 }, l: [1, 2], k: 'v' };
    expect(applyMergePatch(original, '{"a":{"b":null,"d":3},"l":[3]}')).toEqual({
      a: { c: 2, d: 3 },
      l: [3],
      k: 'v',
    });
    expect(original.a.b).toBe(1);
  });

  it('answers invalid JSON with 400 Invalid JSON Patch', () => {
    const err = failure(() => applyMergePatch({}, '{'));
    expect(err.code).toBe(400);
    expect(err.message).toBe('Invalid JSON Patch');
    expect(failure(() => applyMergePatch({}, '[1]')).code).toBe(400);
  });
});
