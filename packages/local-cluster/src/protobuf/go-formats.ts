/**
 * The JSON forms Go gives the apimachinery types whose protobuf form differs: metav1.Time
 * (RFC 3339, seconds), metav1.MicroTime (RFC 3339 with microseconds) and metav1.Duration
 * (time.Duration.String(), e.g. "1h2m3.5s").
 */

/** `2006-01-02T15:04:05Z`, as metav1.Time.MarshalJSON writes (UTC, whole seconds). */
export function formatRfc3339(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `2006-01-02T15:04:05.000000Z`, as metav1.MicroTime.MarshalJSON writes (UTC, microseconds). */
export function formatRfc3339Micro(seconds: bigint, nanos: number): string {
  const micros = Math.floor(nanos / 1000)
    .toString()
    .padStart(6, '0');
  return `${formatRfc3339(seconds).slice(0, -1)}.${micros}Z`;
}

/** A fraction's digits without trailing zeros, '' when zero: (500, 3) -> ".5". */
function fraction(value: bigint, digits: number): string {
  if (value === 0n) return '';
  return `.${value.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

/** time.Duration.String() of a nanosecond count (as in Go's time/time.go). */
export function formatGoDuration(nanoseconds: bigint): string {
  if (nanoseconds === 0n) return '0s';
  const sign = nanoseconds < 0n ? '-' : '';
  const n = nanoseconds < 0n ? -nanoseconds : nanoseconds;
  if (n < 1000n) return `${sign}${n}ns`;
  if (n < 1_000_000n) return `${sign}${n / 1000n}${fraction(n % 1000n, 3)}µs`;
  if (n < 1_000_000_000n) return `${sign}${n / 1_000_000n}${fraction(n % 1_000_000n, 6)}ms`;
  const totalSeconds = n / 1_000_000_000n;
  const seconds = `${totalSeconds % 60n}${fraction(n % 1_000_000_000n, 9)}s`;
  const minutes = (totalSeconds / 60n) % 60n;
  const hours = totalSeconds / 3600n;
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}
