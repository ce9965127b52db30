/**
 * Server-side apply and the managedFields bookkeeping of ordinary writes, as kube-apiserver does
 * them through k8s.io/apimachinery/pkg/util/managedfields (the field manager chain) and
 * sigs.k8s.io/structured-merge-diff/merge (Updater.Apply / Updater.Update).
 */
import {
  ApiError,
  errors,
  isJsonObject,
  jsonEqual,
  type JsonObject,
  type JsonValue,
  type KubeObject,
  type StatusCause,
} from '../api/index.js';
import { builtinTypes, type TypeSet } from '../schema/index.js';
import { FieldSet, pathString, type FieldPath } from './fieldpath.js';
import {
  capUpdateManagers,
  decodeManagedFields,
  describeManager,
  encodeManagedFields,
  managerIdentifier,
  stripManagers,
  strippedFields,
  type ManagerFields,
  type Managers,
} from './managed-fields.js';
import { formatTypedErrors, TypedSchema, type TypedError } from './typed.js';

/** A server-side apply request. */
export interface ApplyRequest {
  /** The stored object, or undefined when the apply creates it. */
  live: KubeObject | undefined;
  /** The applied configuration (the parsed body of the `application/apply-patch+yaml` request). */
  applied: JsonObject;
  /** The field manager (`?fieldManager=`), required for apply. */
  manager: string;
  /** `?force=true`: take over conflicting fields instead of failing. */
  force: boolean;
  /** The schema of the kind (built-in types, or the TypeSet converted from a CRD). */
  typeSet: TypeSet;
  /** The root type name in `typeSet`. */
  typeName: string;
  /** The request's group/version, e.g. `apps/v1`; the applied `apiVersion` must equal it. */
  apiVersion: string;
  /** `status` for an apply to /status; undefined for the main resource. */
  subresource?: string;
  /** The clock for managedFields times (RFC 3339, seconds). */
  now?: () => string;
}

/** The bookkeeping of a create, update or non-apply patch. */
export interface UpdateTracking {
  /** The stored object before the write; undefined for a create. */
  old: KubeObject | undefined;
  /** The object about to be stored (after patching, defaulting and strategy). */
  updated: KubeObject;
  manager: string;
  typeSet: TypeSet;
  typeName: string;
  /** The request's group/version. */
  apiVersion: string;
  subresource?: string;
  now?: () => string;
}

/** The manager that owns what existed before an object's first apply (skipnonapplied.go). */
export const BEFORE_FIRST_APPLY = 'before-first-apply';
/** The manager that kubectl's client-side apply writes as (and whose fields SSA may take over). */
export const CLIENT_SIDE_APPLY_MANAGER = 'kubectl-client-side-apply';
/** kubectl's client-side apply annotation. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

function defaultNow(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The object without metadata.managedFields, as a JSON value. */
function withoutManagedFields(obj: KubeObject | JsonObject): JsonObject {
  const copy = structuredClone(obj) as JsonObject;
  const meta = copy['metadata'];
  if (isJsonObject(meta)) delete meta['managedFields'];
  return copy;
}

/** `ns/name; group/version, Kind=K`, as objectGVKNN prints an object in typed-conversion errors. */
function describeObject(obj: JsonObject): string {
  const meta = isJsonObject(obj['metadata']) ? obj['metadata'] : {};
  const apiVersion = typeof obj['apiVersion'] === 'string' ? obj['apiVersion'] : '';
  const gv = apiVersion.includes('/') ? apiVersion : `/${apiVersion}`;
  return `${String(meta['namespace'] ?? '')}/${String(meta['name'] ?? '')}; ${gv}, Kind=${String(obj['kind'] ?? '')}`;
}

/**
 * The error kube-apiserver sends when an applied configuration does not fit the schema: a 500 with
 * no reason, because the field manager returns a plain error (see kubernetes/kubernetes#122480).
 */
function typedPatchError(obj: JsonObject, errs: TypedError[]): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `failed to create typed patch object (${describeObject(obj)}): ${formatTypedErrors(errs)}`,
    code: 500,
  });
}

/** One field that another manager owns and the apply would change. */
interface Conflict {
  manager: ManagerFields;
  managerId: string;
  path: FieldPath;
}

/**
 * The 409 of a conflicting apply, worded as NewConflictError (managedfields/internal/conflict.go):
 * no object details, one cause per field.
 */
function conflictError(conflicts: Conflict[]): ApiError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(c.manager)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    const c = conflicts[0] as Conflict;
    message = `Apply failed with 1 conflict: conflict with ${describeManager(c.manager)}: ${pathString(c.path)}`;
  } else {
    const ids = [...new Set(conflicts.map((c) => c.managerId))].sort();
    const lines: string[] = [];
    for (const id of ids) {
      const mine = conflicts.filter((c) => c.managerId === id);
      lines.push(`conflicts with ${describeManager((mine[0] as Conflict).manager)}:`);
      for (const c of mine) lines.push(`- ${pathString(c.path)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Conflict',
    details: { causes },
    code: 409,
  });
}

/**
 * SMD Updater.update: the write from `oldObj` to `newObj` takes the changed fields away from every
 * other manager; without `force`, an added or modified field another manager owns is a conflict.
 */
function takeOwnership(
  schema: TypedSchema,
  oldObj: JsonObject | undefined,
  newObj: JsonObject | undefined,
  managers: Managers,
  selfId: string,
  force: boolean,
  zeroStructs: boolean,
): { conflicts: Conflict[]; added: FieldSet; modified: FieldSet; removed: FieldSet } {
  const cmp = schema.compare(oldObj, newObj, zeroStructs);
  const changed = cmp.modified.union(cmp.added);
  const conflicts: Conflict[] = [];
  const conflictSets = new Map<string, FieldSet>();
  for (const [id, m] of managers) {
    if (id === selfId) continue;
    const owned = m.set.intersection(changed);
    if (owned.empty()) continue;
    conflictSets.set(id, owned);
    for (const path of owned.paths()) conflicts.push({ manager: m, managerId: id, path });
  }
  if (conflicts.length && !force) return { conflicts, ...cmp };
  for (const [id, m] of managers) {
    if (id === selfId) continue;
    const lost = conflictSets.get(id);
    if (lost) m.set = m.set.difference(lost);
    if (!cmp.removed.empty()) m.set = m.set.difference(cmp.removed);
    if (m.set.empty()) managers.delete(id);
  }
  return { conflicts: [], ...cmp };
}

/**
 * SMD Updater.prune: of what the applier owned last time and no longer applies, remove what no
 * manager (the applier's new set included) still owns; leave alone what others own or nobody owned.
 */
function prune(
  schema: TypedSchema,
  merged: JsonObject,
  managers: Managers,
  lastSet: FieldSet | undefined,
): JsonObject {
  if (!lastSet || lastSet.empty()) return merged;
  const last = schema.ensureNamedFieldsAreMembers(lastSet);
  const firstCut = (schema.removeItems(merged, last) ?? {}) as JsonObject;
  let managed = new FieldSet();
  for (const m of managers.values()) managed = managed.union(m.set);
  const mergedSet = schema.ensureNamedFieldsAreMembers(schema.toFieldSet(merged));
  const firstSet = schema.ensureNamedFieldsAreMembers(schema.toFieldSet(firstCut));
  const ownedBack = (schema.removeItems(
    merged,
    mergedSet.difference(firstSet.union(schema.ensureNamedFieldsAreMembers(managed))),
  ) ?? {}) as JsonObject;
  const ownedSet = schema.ensureNamedFieldsAreMembers(schema.toFieldSet(ownedBack));
  return (schema.removeItems(merged, mergedSet.difference(ownedSet).intersection(last)) ?? {}) as JsonObject;
}

function requireString(obj: JsonObject, key: string): string {
  const v = obj[key];
  return typeof v === 'string' ? v : '';
}

/** Keeps what an apply to /status may set: the status, plus the identity of the object. */
function statusOnly(applied: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of ['apiVersion', 'kind'])
    if (applied[key] !== undefined) out[key] = applied[key] as JsonValue;
  const meta = isJsonObject(applied['metadata']) ? applied['metadata'] : {};
  const keptMeta: JsonObject = {};
  for (const key of ['name', 'namespace'])
    if (meta[key] !== undefined) keptMeta[key] = meta[key] as JsonValue;
  out['metadata'] = keptMeta;
  if (applied['status'] !== undefined) out['status'] = applied['status'] as JsonValue;
  return out;
}

/**
 * Fields that kubectl's client-side apply set and that still hold the value it set: an SSA by
 * `kubectl` may take them over without a conflict (lastappliedmanager.go).
 */
function allowedFromLastApplied(schema: TypedSchema, live: JsonObject): FieldSet | undefined {
  const meta = isJsonObject(live['metadata']) ? live['metadata'] : {};
  const annotations = isJsonObject(meta['annotations']) ? meta['annotations'] : {};
  const text = annotations[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string' || text === '') return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(lastApplied)) return undefined;
  const lastSet = schema.toFieldSet(lastApplied, { strict: false, errors: [] });
  const cmp = schema.compare(lastApplied, live);
  return lastSet.difference(cmp.modified);
}

/** JSON with object keys sorted, as Go's encoding/json writes maps, plus Encode's newline. */
function sortedJson(v: unknown): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort);
    if (isJsonObject(x)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) out[k] = sort(x[k]);
      return out;
    }
    return x;
  };
  return `${JSON.stringify(sort(v))}\n`;
}

/** Writes managers into the object's metadata.managedFields (removed when there are none). */
function withManagedFields(obj: JsonObject, managers: Managers): KubeObject {
  const result = obj as unknown as KubeObject;
  if (!isJsonObject(result.metadata)) result.metadata = {};
  const entries = encodeManagedFields(managers);
  if (entries.length) result.metadata.managedFields = entries;
  else delete result.metadata.managedFields;
  return result;
}

/**
 * Server-side apply: merges the applied configuration into the live object per schema, moves field
 * ownership and records it in metadata.managedFields. Returns the object to store (equal to `live`
 * when the apply changes nothing, so the caller can skip the write). Throws ApiError: 400 for a bad
 * body (wrong apiVersion, missing kind or name, managedFields set), 500 when the body does not fit
 * the schema (as kube-apiserver), 409 with FieldManagerConflict causes on conflicts.
 */
export function serverSideApply(req: ApplyRequest): KubeObject {
  const now = req.now ?? defaultNow;
  const applied = req.applied;
  const appliedVersion = requireString(applied, 'apiVersion');
  if (appliedVersion !== req.apiVersion) {
    // as k8s.io/apimachinery/pkg/util/managedfields/internal/structuredmerge.go Apply
    throw errors.badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${appliedVersion}, expected: ${req.apiVersion}`,
    );
  }
  if (!requireString(applied, 'kind')) throw errors.badRequest("Object 'Kind' is missing in apply patch");
  const appliedMeta = applied['metadata'];
  if (!isJsonObject(appliedMeta) || !requireString(appliedMeta, 'name')) {
    throw errors.badRequest('metadata.name: Required value: name is required in apply patch');
  }
  if (appliedMeta['managedFields'] !== undefined && appliedMeta['managedFields'] !== null) {
    throw errors.badRequest('metadata.managedFields must be nil');
  }

  const schema = new TypedSchema(req.typeSet, { namedType: req.typeName });
  const subresource = req.subresource ?? '';
  let config = withoutManagedFields(applied);
  if (subresource === 'status') config = statusOnly(config);
  const typedErrors: TypedError[] = [];
  const configSet = schema.toFieldSet(config, { strict: true, errors: typedErrors });
  if (typedErrors.length) throw typedPatchError(config, typedErrors);

  const liveBody = req.live ? withoutManagedFields(req.live) : undefined;
  const managers = req.live
    ? decodeManagedFields(req.live.metadata.managedFields).managers
    : new Map<string, ManagerFields>();
  const zeroStructs = req.typeSet === builtinTypes;

  // An object that exists but has no managedFields gets one entry owning everything it holds,
  // so the first applier does not silently take it all (skipnonapplied.go).
  if (liveBody && managers.size === 0) {
    const cmp = schema.compare(undefined, liveBody, zeroStructs);
    const before: ManagerFields = {
      manager: BEFORE_FIRST_APPLY,
      operation: 'Update',
      apiVersion: req.apiVersion,
      subresource,
      time: now(),
      set: cmp.added.union(cmp.modified).difference(strippedFields),
    };
    if (!before.set.empty()) managers.set(managerIdentifier(before), before);
  }

  const run = (force: boolean): { object: JsonObject; conflicts: Conflict[]; managers: Managers } => {
    const working: Managers = new Map([...managers].map(([id, m]) => [id, { ...m, set: m.set.clone() }]));
    const merged = (schema.merge(liveBody, config) ?? {}) as JsonObject;
    const self: ManagerFields = {
      manager: req.manager,
      operation: 'Apply',
      apiVersion: req.apiVersion,
      subresource,
      set: configSet,
    };
    const selfId = managerIdentifier(self);
    const previous = working.get(selfId);
    if (previous?.time !== undefined) self.time = previous.time;
    working.set(selfId, self);
    const pruned = prune(schema, merged, working, previous?.set);
    const { conflicts } = takeOwnership(schema, liveBody, pruned, working, selfId, force, false);
    if (conflicts.length) return { object: pruned, conflicts, managers: working };
    stripManagers(working);
    const unchanged = liveBody !== undefined && jsonEqual(liveBody, pruned);
    const entry = working.get(selfId);
    if (entry && (!unchanged || entry.time === undefined)) entry.time = now();
    return { object: unchanged ? structuredClone(liveBody) : pruned, conflicts: [], managers: working };
  };

  let outcome = run(req.force);
  if (outcome.conflicts.length) {
    // `kubectl` moving from client-side to server-side apply may take over what its client-side
    // apply set, as recorded in the last-applied annotation (lastappliedmanager.go).
    const allowed =
      req.manager === 'kubectl' && liveBody ? allowedFromLastApplied(schema, liveBody) : undefined;
    const remaining = allowed ? outcome.conflicts.filter((c) => !allowed.has(c.path)) : outcome.conflicts;
    if (remaining.length) throw conflictError(remaining);
    outcome = run(true);
  }

  const object = outcome.object;
  // Keep kubectl's client-side apply annotation in step when kubectl applies server-side
  // (lastappliedupdater.go), so a later client-side apply still computes the right diff.
  if (req.manager === 'kubectl') {
    const meta = isJsonObject(object['metadata']) ? object['metadata'] : undefined;
    const annotations = meta && isJsonObject(meta['annotations']) ? meta['annotations'] : undefined;
    if (annotations && typeof annotations[LAST_APPLIED_ANNOTATION] === 'string') {
      const lastApplied = structuredClone(applied);
      const lastMeta = lastApplied['metadata'];
      if (isJsonObject(lastMeta) && isJsonObject(lastMeta['annotations']))
        delete lastMeta['annotations'][LAST_APPLIED_ANNOTATION];
      annotations[LAST_APPLIED_ANNOTATION] = sortedJson(lastApplied);
    }
  }
  capUpdateManagers(outcome.managers);
  return withManagedFields(object, outcome.managers);
}

/** True when a write asks to clear managedFields: `[]` or `[{}]` (fieldmanager.go isResetManagedFields). */
function isResetManagedFields(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  if (value.length === 0) return true;
  return value.length === 1 && isJsonObject(value[0]) && Object.keys(value[0]).length === 0;
}

/**
 * The managedFields of a create, update or non-apply patch (FieldManager.Update): the fields the
 * write added or changed become the manager's (Update operation), and leave every other manager,
 * appliers included; removed fields leave everyone. Returns `updated` with metadata.managedFields set.
 *
 * As upstream: a main-resource write may replace managedFields by sending its own (non-empty,
 * valid) list, or clear them with `[]` / `[{}]`; subresource writes cannot; an existing object
 * without managedFields is not tracked until its first apply.
 */
export function trackUpdate(req: UpdateTracking): KubeObject {
  const now = req.now ?? defaultNow;
  const subresource = req.subresource ?? '';
  const updated = structuredClone(req.updated);
  if (!isJsonObject(updated.metadata)) updated.metadata = {};
  const sent = updated.metadata.managedFields;
  if (!subresource && isResetManagedFields(sent)) {
    delete updated.metadata.managedFields;
    return updated;
  }
  let managers: Managers = new Map();
  const fromRequest = subresource ? undefined : decodeManagedFields(sent);
  if (fromRequest?.ok && fromRequest.managers.size > 0) managers = fromRequest.managers;
  else if (req.old) managers = decodeManagedFields(req.old.metadata.managedFields).managers;
  if (req.old && managers.size === 0) {
    delete updated.metadata.managedFields;
    return updated;
  }

  const schema = new TypedSchema(req.typeSet, { namedType: req.typeName });
  const oldBody = req.old ? withoutManagedFields(req.old) : undefined;
  const newBody = withoutManagedFields(updated);
  const selfId = managerIdentifier({
    manager: req.manager,
    operation: 'Update',
    apiVersion: req.apiVersion,
    subresource,
  });
  // The operation is tracked under a temporary name so that it also takes fields from this
  // manager's own earlier entry before the two are joined (managedfieldsupdater.go).
  const { added, modified } = takeOwnership(
    schema,
    oldBody,
    newBody,
    managers,
    '',
    true,
    !req.old && req.typeSet === builtinTypes,
  );
  const changed = added.union(modified).difference(strippedFields);
  stripManagers(managers);
  if (!changed.empty()) {
    const previous = managers.get(selfId);
    managers.set(selfId, {
      manager: req.manager,
      operation: 'Update',
      apiVersion: req.apiVersion,
      subresource,
      time: now(),
      set: previous ? changed.union(previous.set) : changed,
    });
  }
  capUpdateManagers(managers);
  const result = withManagedFields(newBody, managers);
  return result;
}
