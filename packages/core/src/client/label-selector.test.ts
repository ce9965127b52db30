import { describe, expect, it } from '@jest/globals';
import { parseLabelSelector } from './label-selector.js';

describe('parseLabelSelector', () => {
  const labels = { app: 'web', tier: 'front', replicas: '3' };
  const m = (s: string, l: Record<string, string> | undefined = labels) => parseLabelSelector(s)(l);
  it('supports equality, set, existence and numeric requirements', () => {
    expect(m('')).toBe(true);
    expect(m('app=web')).toBe(true);
    expect(m('app==web,tier=front')).toBe(true);
    expect(m('app!=web')).toBe(false);
    expect(m('missing!=x')).toBe(true);
    expect(m('app in (db, web)')).toBe(true);
    expect(m('app notin (db,web)')).toBe(false);
    expect(m('missing notin (a)')).toBe(true);
    expect(m('tier')).toBe(true);
    expect(m('!tier')).toBe(false);
    expect(m('!missing')).toBe(true);
    expect(m('replicas>2,replicas<4')).toBe(true);
    expect(m('replicas>3')).toBe(false);
    expect(parseLabelSelector('app=web')(undefined)).toBe(false);
    expect(m('app=web', {})).toBe(false);
    expect(m('app in (web),tier notin (back), !x')).toBe(true);
  });
  it('rejects malformed selectors', () => {
    expect(() => parseLabelSelector('a b c')).toThrow();
  });
});
