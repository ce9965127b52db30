import { describe, expect, it } from '@jest/globals';
import { FieldSelector, LabelSelector, labelSelectorToString } from './selectors.js';

describe('LabelSelector', () => {
  const labels = { app: 'web', tier: 'front', n: '3' };
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app notin (web)', false],
    ['missing notin (x)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing,app=web', true],
    ['n>2', true],
    ['n<3', false],
    ['app in (db), tier=front', false],
  ])('%s matches: %s', (text, expected) => {
    expect(LabelSelector.parse(text).matches(labels)).toBe(expected);
  });

  it.each(['app in (', 'a b', 'app=we b', 'Bad Key=x', '=x'])('refuses %s with 400', (text) => {
    expect(() => LabelSelector.parse(text)).toThrow(expect.objectContaining({ code: 400 }));
  });

  it('renders a metav1.LabelSelector as upstream does', () => {
    expect(
      labelSelectorToString({
        matchLabels: { b: '1', a: '2' },
        matchExpressions: [
          { key: 'c', operator: 'In', values: ['y', 'x'] },
          { key: 'd', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('a=2,b=1,c in (x,y),!d');
  });
});

describe('FieldSelector', () => {
  it('matches =, == and != and names the fields used', () => {
    const s = FieldSelector.parse('metadata.name=a,status.phase!=Running');
    expect(s.fields).toEqual(['metadata.name', 'status.phase']);
    expect(s.matches({ 'metadata.name': 'a', 'status.phase': 'Pending' })).toBe(true);
    expect(s.matches({ 'metadata.name': 'a', 'status.phase': 'Running' })).toBe(false);
    expect(FieldSelector.parse('metadata.name==b').exactName).toBe('b');
    expect(() => FieldSelector.parse('nonsense')).toThrow(expect.objectContaining({ code: 400 }));
  });
});
