/**
 * The informer cache: reflectors keep local stores of Kubernetes collections in step with the
 * server (list, then watch, relisting on 410), shared informers tell event handlers of every
 * change, and a factory shares one informer per kind and scope.
 */
export { Backoff, type BackoffOptions } from './backoff.js';
// The cache's own time source is exported as InformerClock: `Clock`, `realClock` and `sleep` at the
// package root are clock/'s (a different timer API), and two `export *` of one name do not compile.
export {
  ManualClock,
  flushPromises,
  realClock as realInformerClock,
  type Clock as InformerClock,
  type TimerHandle,
} from './clock.js';
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
