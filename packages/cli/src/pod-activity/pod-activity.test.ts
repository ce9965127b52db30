import { describe, expect, it } from '@jest/globals';
import { describePod } from './index.js';

describe('describePod', () => {
  it('says what a person needs to see of a pod', () => {
    expect(describePod(undefined, false)).toBe('Pending');
    expect(
      describePod(
        { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ContainerCreating' } } }] },
        false,
      ),
    ).toBe('Pending (ContainerCreating)');
    expect(describePod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }, false)).toBe(
      'Running, Ready',
    );
    expect(
      describePod(
        {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'False' }],
          containerStatuses: [{ restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
        },
        false,
      ),
    ).toBe('Running (CrashLoopBackOff), not Ready, 2 restarts');
    expect(describePod({ phase: 'Running' }, true)).toBe('Terminating');
  });
});
