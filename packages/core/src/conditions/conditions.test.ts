import { describe, it, expect } from '@jest/globals';
import {
  findStatusCondition,
  isStatusConditionFalse,
  isStatusConditionTrue,
  removeStatusCondition,
  setStatusCondition,
  type Condition,
} from './index.js';

describe('status conditions', () => {
  const t0 = new Date('2024-01-01T00:00:00.123Z');
  const t1 = new Date('2024-01-01T00:05:00Z');

  it('adds, keeps lastTransitionTime while the status holds, moves it when the status changes', () => {
    const conditions: Condition[] = [];
    expect(
      setStatusCondition(
        conditions,
        { type: 'Ready', status: 'False', reason: 'Starting', observedGeneration: 1 },
        t0,
      ),
    ).toBe(true);
    expect(conditions[0]).toEqual({
      type: 'Ready',
      status: 'False',
      reason: 'Starting',
      message: '',
      observedGeneration: 1,
      lastTransitionTime: '2024-01-01T00:00:00Z',
    });
    expect(
      setStatusCondition(
        conditions,
        { type: 'Ready', status: 'False', reason: 'Waiting', message: 'm', observedGeneration: 2 },
        t1,
      ),
    ).toBe(true);
    expect(conditions[0]!.lastTransitionTime).toBe('2024-01-01T00:00:00Z');
    expect(conditions[0]!.reason).toBe('Waiting');
    expect(
      setStatusCondition(
        conditions,
        { type: 'Ready', status: 'False', reason: 'Waiting', message: 'm', observedGeneration: 2 },
        t1,
      ),
    ).toBe(false);
    setStatusCondition(
      conditions,
      { type: 'Ready', status: 'True', reason: 'Up', observedGeneration: 2 },
      t1,
    );
    expect(conditions[0]!.lastTransitionTime).toBe('2024-01-01T00:05:00Z');
    expect(isStatusConditionTrue(conditions, 'Ready')).toBe(true);
    expect(isStatusConditionFalse(conditions, 'Ready')).toBe(false);
    expect(isStatusConditionTrue(conditions, 'Other')).toBe(false);
    expect(findStatusCondition(conditions, 'Ready')?.reason).toBe('Up');
    expect(removeStatusCondition(conditions, 'Ready')).toBe(true);
    expect(removeStatusCondition(conditions, 'Ready')).toBe(false);
    expect(conditions).toEqual([]);
  });
});
