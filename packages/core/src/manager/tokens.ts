/**
 * Tokens of the services a manager binds in its inversify container; use them with `@Inject`.
 * The classes `KubeClient`, `CachedClient`, `SharedInformerFactory` and `EventRecorder` are bound
 * too, so a constructor parameter typed with one of them needs no token.
 */
export const ManagerTokens = {
  /** The `KubeClient` talking to the API server. */
  KubeClient: Symbol.for('opkit.manager.KubeClient'),
  /** The `CachedClient`: reads from the informers, writes to the server. */
  CachedClient: Symbol.for('opkit.manager.CachedClient'),
  /** The `SharedInformerFactory` whose informers the controllers share. */
  InformerFactory: Symbol.for('opkit.manager.SharedInformerFactory'),
  /** The manager's winston `Logger`. */
  Logger: Symbol.for('opkit.manager.Logger'),
  /** The prom-client `Registry` served at /metrics. */
  MetricsRegistry: Symbol.for('opkit.manager.MetricsRegistry'),
  /** The `EventRecorder` writing core/v1 Events as the manager's component. */
  EventRecorder: Symbol.for('opkit.manager.EventRecorder'),
  /** The `Manager` itself. */
  Manager: Symbol.for('opkit.manager.Manager'),
} as const;
