import { errors } from '../api/index.js';

/**
 * The list continue token, in the same shape kube-apiserver uses
 * (k8s.io/apiserver/pkg/storage/continue.go): base64url (no padding) of
 * `{"v":"meta.k8s.io/v1","rv":<revision>,"start":"<next key relative to the list prefix>"}`.
 * `rv: -1` means "continue at the latest revision" (handed out with an expired-token 410).
 */
export interface ContinuePosition {
  revision: number;
  /** The first key to return, relative to the list prefix (the last returned key + "\0"). */
  start: string;
}

const tokenVersion = 'meta.k8s.io/v1';

export function encodeContinue(position: ContinuePosition): string {
  const json = JSON.stringify({ v: tokenVersion, rv: position.revision, start: position.start });
  return Buffer.from(json, 'utf8').toString('base64url');
}

/** Decodes a token; a malformed one is a 400 with the message kube-apiserver gives. */
export function decodeContinue(token: string): ContinuePosition {
  const invalid = (detail: string) => errors.badRequest(`invalid continue token: ${detail}`);
  if (!/^[A-Za-z0-9_-]*$/.test(token)) throw invalid('continue key is not valid: illegal base64 data');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (err) {
    throw invalid(`continue key is not valid: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid('continue key is not valid');
  const { v, rv, start } = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (v !== tokenVersion) {
    throw invalid(
      `continue key is not valid: server does not recognize this encoded version ${String(v ?? '')}`,
    );
  }
  if (typeof rv !== 'number' || !Number.isInteger(rv) || rv === 0) {
    throw invalid(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
  if (typeof start !== 'string' || start.length === 0) {
    throw invalid('continue key is not valid: encoded start key empty (version meta.k8s.io/v1)');
  }
  // as storage.DecodeContinue does: refuse keys that path.Clean would change (path traversal)
  if (
    start.split('/').some((seg) => seg === '..' || seg === '.') ||
    start.includes('//') ||
    start.startsWith('/')
  ) {
    throw invalid(`continue key is not valid: ${start}`);
  }
  return { revision: rv, start };
}
