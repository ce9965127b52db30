/**
 * Logging: a winston logger factory (JSON lines by default, readable lines on a TTY) and the
 * child loggers controllers hand to reconcilers.
 */
export {
  createLogger,
  reconcileLogger,
  silentLogger,
  type Logger,
  type LoggerOptions,
  type ReconcileLogFields,
} from './logger.js';
