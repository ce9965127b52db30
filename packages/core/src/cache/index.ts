/**
 * The informer cache: reflectors keep local stores of Kubernetes collections in step with the
 * server (list, then watch, relisting on 410), shared informers tell event handlers of every
 * change, and a factory shares one informer per kind and scope.
 */
export { Backoff, type BackoffOptions } from './backoff.js';
export { ManualClock, flushPromises, realClock, sleep, type Clock, type TimerHandle } from './clock.js';
export {
  SharedInformerFactory,
  listerWatcherFor,
  type InformerForOptions,
  type InformerScope,
  type SharedInformerFactoryOptions,
} from './informer-factory.js';
export {
  Reflector,
  WatchClosedEarlyError,
  WatchSilenceError,
  type ListerWatcher,
  type ReflectorOptions,
  type ReflectorStore,
} from './reflector.js';
export {
  SharedInformer,
  type EventHandler,
  type HandlerRegistration,
  type SharedInformerOptions,
  type WaitOptions,
} from './shared-informer.js';
export {
  DeletedFinalStateUnknown,
  Indexer,
  NAMESPACE_INDEX,
  objectKey,
  objectOfDeleted,
  splitObjectKey,
  type DeletedObject,
  type IndexFunc,
  type ObjectReader,
} from './store.js';
