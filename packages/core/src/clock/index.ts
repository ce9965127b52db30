/**
 * Clocks: the `Clock` abstraction every waiting part of opkit takes, the process `RealClock`,
 * and a deterministic `FakeClock` for tests.
 */
export type { Clock, ClockTimer, TimerOptions } from './clock.js';
export { RealClock, realClock, sleep } from './clock.js';
export { FakeClock } from './fake-clock.js';
