/**
 * The live view of `opkit dev`: custom resources, their pods, runbook steps and Events, drawn in place
 * on a TTY or as timestamped change lines otherwise, fed by watches.
 */
export {
  initialViewState,
  resourceViewOf,
  podViewOf,
  eventViewOf,
  type LiveViewState,
  type ResourceView,
  type PodView,
  type EventView,
  type ConditionView,
  type OperationView,
  type OperatorStatusView,
} from './state.js';
export {
  renderScreen,
  describeChanges,
  formatConditions,
  formatOperation,
  type ScreenOptions,
} from './render.js';
export { ViewFeed, type WatchedKind, type FeedSnapshot } from './feed.js';
export { LiveView, type LiveViewOptions } from './display.js';
