import winston from 'winston';

/** The logger every opkit runtime part takes: a winston logger (use `child` to add fields). */
export type Logger = winston.Logger;

/** The log fields opkit's controllers attach, named as controller-runtime names them. */
export interface ReconcileLogFields {
  controller?: string;
  namespace?: string;
  name?: string;
  reconcileID?: string;
}

/** Options of {@link createLogger}; every field has a default. */
export interface LoggerOptions {
  /** Minimum level (winston npm levels). Default `info`, or `$OPKIT_LOG_LEVEL` when set. */
  level?: string;
  /**
   * `json`: one JSON object per line (for log collectors); `console`: readable, coloured lines.
   * Default: `console` when the output stream is a TTY, else `json`.
   */
  format?: 'json' | 'console';
  /** Where lines go. Default `process.stderr` (stdout stays free for a program's own output). */
  stream?: NodeJS.WritableStream;
  /** Fields on every line (e.g. `{ logger: 'manager' }`). */
  defaultMeta?: Record<string, unknown>;
  /** Drop everything (tests). Default false. */
  silent?: boolean;
}

/** Renders the extra fields of a console line as `key=value` pairs, in insertion order. */
const consoleLine = winston.format.printf((info) => {
  const { level, message, timestamp, ...fields } = info;
  const rest = Object.entries(fields)
    .filter(([key]) => typeof key === 'string')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${String(timestamp)} ${level} ${String(message)}${rest ? ' ' + rest : ''}`;
});

/**
 * Creates a winston logger: JSON lines by default, a readable console format on a TTY.
 * Errors passed as fields or messages keep their stack.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const isTty = (stream as { isTTY?: boolean }).isTTY === true;
  const format = options.format ?? (isTty ? 'console' : 'json');
  const level = options.level ?? process.env['OPKIT_LOG_LEVEL'] ?? 'info';
  const common = [winston.format.errors({ stack: true }), winston.format.timestamp()];
  return winston.createLogger({
    level,
    silent: options.silent ?? false,
    defaultMeta: options.defaultMeta,
    format:
      format === 'json'
        ? winston.format.combine(...common, winston.format.json())
        : // Colours only for a person at a terminal (and never with NO_COLOR): piped logs stay plain text.
          isTty && !process.env.NO_COLOR
          ? winston.format.combine(...common, winston.format.colorize(), consoleLine)
          : winston.format.combine(...common, consoleLine),
    transports: [new winston.transports.Stream({ stream })],
  });
}

/** A logger that drops everything: the default where a caller supplies none. */
export function silentLogger(): Logger {
  return winston.createLogger({
    silent: true,
    transports: [new winston.transports.Console({ silent: true })],
  });
}

/**
 * A child logger carrying the reconcile fields that are set (controller-runtime's
 * `controller`, `namespace`, `name`, `reconcileID` keys, pkg/internal/controller/controller.go).
 */
export function reconcileLogger(parent: Logger, fields: ReconcileLogFields): Logger {
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return parent.child(defined);
}
