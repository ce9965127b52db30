/** Parsing of HTTP `Accept` and `Content-Type` headers, shared by the resource and discovery handlers. */

/** One media range of an `Accept` header: lower-cased type and its parameters (names lower-cased). */
export interface MediaRange {
  type: string;
  params: Record<string, string>;
}

/**
 * Splits a header into media ranges in the client's order, as mime.ParseMediaType does for each
 * comma-separated part in k8s.io/apimachinery/pkg/runtime/serializer negotiation.
 */
export function parseMediaRanges(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [type = '', ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}
