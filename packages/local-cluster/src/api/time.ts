/** How meta/v1 time types are written on the wire. */

/** A meta/v1 Time: RFC 3339 in UTC with whole seconds (`2024-01-02T03:04:05Z`), as metav1.Time marshals. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A meta/v1 MicroTime: RFC 3339 with six fractional digits, as metav1.MicroTime marshals. */
export function rfc3339Micro(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
