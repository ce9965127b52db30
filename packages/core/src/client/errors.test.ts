import { describe, expect, it } from '@jest/globals';
import {
  AlreadyExistsError,
  ApiStatusError,
  ConflictError,
  ForbiddenError,
  GoneError,
  InvalidError,
  NotFoundError,
  ServerError,
  TooManyRequestsError,
  UnauthorizedError,
  errorFromResponse,
  isAlreadyExists,
  isConflict,
  isGone,
  isInvalid,
  isNotFound,
  isTooManyRequests,
} from './errors.js';

const status = (code: number, reason: string, extra: object = {}) =>
  JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `m ${reason}`,
    reason,
    code,
    ...extra,
  });

describe('errors', () => {
  it('maps a Status body to the class of its reason, keeping the Status', () => {
    const cases: [number, string, unknown][] = [
      [404, 'NotFound', NotFoundError],
      [409, 'AlreadyExists', AlreadyExistsError],
      [409, 'Conflict', ConflictError],
      [410, 'Expired', GoneError],
      [410, 'Gone', GoneError],
      [422, 'Invalid', InvalidError],
      [403, 'Forbidden', ForbiddenError],
      [401, 'Unauthorized', UnauthorizedError],
      [429, 'TooManyRequests', TooManyRequestsError],
      [500, 'InternalError', ServerError],
    ];
    for (const [code, reason, cls] of cases) {
      const err = errorFromResponse(code, status(code, reason));
      expect(err).toBeInstanceOf(cls as typeof ApiStatusError);
      expect(err).toBeInstanceOf(ApiStatusError);
      expect(err.code).toBe(code);
      expect(err.reason).toBe(reason);
      expect(err.message).toBe(`m ${reason}`);
      expect(err.name).toBe((cls as { name: string }).name);
    }
  });

  it('carries causes of Invalid and retry hints', () => {
    const err = errorFromResponse(
      422,
      status(422, 'Invalid', {
        details: {
          name: 'x',
          kind: 'configmaps',
          causes: [{ reason: 'FieldValueRequired', field: 'metadata.name' }],
        },
      }),
    );
    expect(err.causes).toEqual([{ reason: 'FieldValueRequired', field: 'metadata.name' }]);
    expect(isInvalid(err)).toBe(true);
    const throttled = errorFromResponse(429, 'slow down', '3');
    expect(throttled).toBeInstanceOf(TooManyRequestsError);
    expect(throttled.retryAfterSeconds).toBe(3);
    expect(isTooManyRequests(throttled)).toBe(true);
  });

  it('synthesizes a Status from a non-Status body', () => {
    const err = errorFromResponse(404, '404 page not found\n');
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.status).toMatchObject({
      kind: 'Status',
      code: 404,
      reason: 'NotFound',
      message: '404 page not found',
    });
  });

  it('isX tests distinguish AlreadyExists from Conflict and accept foreign Status-carrying errors', () => {
    const exists = errorFromResponse(409, status(409, 'AlreadyExists'));
    const conflict = errorFromResponse(409, status(409, 'Conflict'));
    expect([isAlreadyExists(exists), isConflict(exists)]).toEqual([true, false]);
    expect([isAlreadyExists(conflict), isConflict(conflict)]).toEqual([false, true]);
    const foreign = Object.assign(new Error('x'), { status: { code: 404, reason: 'NotFound' } });
    expect(isNotFound(foreign)).toBe(true);
    expect(isGone(Object.assign(new Error('x'), { status: { code: 410 } }))).toBe(true);
    expect(isNotFound(new Error('plain'))).toBe(false);
    expect(isNotFound(undefined)).toBe(false);
  });
});
