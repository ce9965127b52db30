/**
 * `serviceaccounts/NAME/token` (TokenRequest, authentication.k8s.io/v1; `kubectl create token`) and
 * the bearer tokens it hands out. Upstream the token is a signed JWT
 * (pkg/registry/core/serviceaccount/storage/token.go); here it is an opaque random string the
 * server remembers, which is all a client can rely on either way.
 */
import { randomBytes } from 'node:crypto';
import {
  errors,
  isJsonObject,
  rfc3339,
  type JsonObject,
  type JsonValue,
  type KubeObject,
} from '../api/index.js';
import type { UserInfo } from './types.js';

/** expirationSeconds when the request sets none (token.go's default of one hour). */
const DEFAULT_EXPIRATION_SECONDS = 3600;
/** ValidateTokenRequest: at least 10 minutes, at most 2^32 seconds. */
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
/** The audience kube-apiserver's --service-account-issuer defaults to in a cluster. */
const DEFAULT_AUDIENCES = ['https://kubernetes.default.svc.cluster.local'];

interface IssuedToken {
  namespace: string;
  name: string;
  uid: string;
  expiresAt: number;
}

/** Issues service account tokens and authenticates requests carrying them. */
export class ServiceAccountTokens {
  private readonly issued = new Map<string, IssuedToken>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /**
   * Answers a TokenRequest for `serviceAccount` (which the caller has read): the request with
   * status.token and status.expirationTimestamp. With `dryRun` the token is not remembered.
   *
   * @throws ApiError 400 when the request names another service account, 422 for an
   *   expirationSeconds out of range.
   */
  issue(serviceAccount: KubeObject, request: unknown, opts: { dryRun?: boolean } = {}): JsonObject {
    const namespace = serviceAccount.metadata.namespace ?? '';
    const name = serviceAccount.metadata.name ?? '';
    const body = isJsonObject(request) ? request : {};
    const meta = isJsonObject(body.metadata) ? body.metadata : {};
    const spec = isJsonObject(body.spec) ? { ...body.spec } : {};
    const seconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds)) {
      throw errors.badRequest(`spec.expirationSeconds must be an integer`);
    }
    if (seconds < MIN_EXPIRATION_SECONDS || seconds > MAX_EXPIRATION_SECONDS) {
      throw errors.invalid('TokenRequest', 'authentication.k8s.io', name, [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.expirationSeconds',
          message: `Invalid value: ${seconds}: ${
            seconds < MIN_EXPIRATION_SECONDS
              ? 'may not specify a duration less than 10 minutes'
              : 'may not specify a duration larger than 2^32 seconds'
          }`,
        },
      ]);
    }
    const audiences =
      Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences : DEFAULT_AUDIENCES;
    const now = this.now().getTime();
    const expiresAt = now + seconds * 1000;
    const token = randomBytes(32).toString('base64url');
    if (!opts.dryRun) {
      this.forgetExpired(now);
      this.issued.set(token, { namespace, name, uid: serviceAccount.metadata.uid ?? '', expiresAt });
    }
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      // the request echoed back under the service account's name (token.go copies the request)
      metadata: { ...(meta as JsonObject), name, namespace, creationTimestamp: null },
      spec: {
        ...(spec as JsonObject),
        audiences: audiences as JsonValue,
        expirationSeconds: seconds,
        boundObjectRef: (spec.boundObjectRef ?? null) as JsonValue,
      },
      status: { token, expirationTimestamp: rfc3339(new Date(expiresAt)) },
    };
  }

  /**
   * The user a bearer token stands for: `system:serviceaccount:NS:NAME` while the token has not
   * expired and the service account still exists with the same uid (`currentUid`), as
   * pkg/serviceaccount's validator checks; undefined otherwise.
   */
  authenticate(
    token: string,
    currentUid: (namespace: string, name: string) => string | undefined,
  ): UserInfo | undefined {
    const entry = this.issued.get(token);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now().getTime() || currentUid(entry.namespace, entry.name) !== entry.uid) {
      this.issued.delete(token);
      return undefined;
    }
    return {
      username: `system:serviceaccount:${entry.namespace}:${entry.name}`,
      uid: entry.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${entry.namespace}`, 'system:authenticated'],
    };
  }

  private forgetExpired(now: number): void {
    for (const [token, entry] of this.issued) if (entry.expiresAt <= now) this.issued.delete(token);
  }
}
