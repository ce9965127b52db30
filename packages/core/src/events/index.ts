/**
 * Events: a recorder writing core/v1 Events about objects, with client-go's repeat counting,
 * aggregation of similar events and per-object rate limit (tools/record).
 */
export {
  EventRecorder,
  type CoreEvent,
  type EventRecorderOptions,
  type EventWriteClient,
  type EventType,
  type InvolvedObject,
} from './recorder.js';
