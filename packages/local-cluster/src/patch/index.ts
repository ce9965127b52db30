/**
 * The patch formats of the Kubernetes API: RFC 6902 JSON patch, RFC 7386 JSON merge patch and
 * strategic merge patch. All take plain JSON objects, never change their input and throw
 * `ApiError` with the status kube-apiserver answers for a bad patch. Server-side apply lives in
 * `apply/`.
 */
export type { PatchInput } from './patch-input.js';
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge-patch.js';
