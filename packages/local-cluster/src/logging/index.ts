/**
 * The local cluster logs through a winston logger the embedder passes in; without one it is silent,
 * so that tests and `LocalCluster.start()` in someone else's process print nothing unasked.
 */
import winston from 'winston';

export type Logger = winston.Logger;

/** A logger that drops everything. */
export function silentLogger(): Logger {
  return winston.createLogger({
    silent: true,
    transports: [new winston.transports.Console({ silent: true })],
  });
}

/** A human-readable logger for the CLI: level, component and message, then structured fields. */
export function consoleLogger(level = 'info'): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(
      winston.format.timestamp({ format: 'HH:mm:ss' }),
      winston.format.printf(({ timestamp, level: lvl, message, ...fields }) => {
        const extra = Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        return `${String(timestamp)} ${lvl} ${String(message)}${extra ? ` ${extra}` : ''}`;
      }),
    ),
    transports: [new winston.transports.Console()],
  });
}
