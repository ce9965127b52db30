/**
 * `metadata.managedFields` decoded into one field set per manager and encoded back, as
 * k8s.io/apimachinery/pkg/util/managedfields/internal (managedfields.go, capmanagers.go,
 * stripmeta.go) does.
 */
import type { JsonObject, ManagedFieldsEntry } from '../api/index.js';
import { FieldSet, fieldElement, type FieldPath } from './fieldpath.js';

/** One manager's ownership: who, through which operation and subresource, and which fields. */
export interface ManagerFields {
  manager: string;
  operation: 'Apply' | 'Update';
  /** The API version the fields are expressed in. */
  apiVersion: string;
  /** '' for the main resource. */
  subresource: string;
  /** RFC 3339, seconds. */
  time?: string;
  set: FieldSet;
}

/** Managers by identifier (see {@link managerIdentifier}). */
export type Managers = Map<string, ManagerFields>;

/**
 * The identity of a managedFields entry, as BuildManagerIdentifier builds it: the JSON of the
 * entry without fields and time, and without apiVersion for appliers (an applier keeps one entry
 * whatever version it applies in).
 */
export function managerIdentifier(
  m: Pick<ManagerFields, 'manager' | 'operation' | 'apiVersion' | 'subresource'>,
): string {
  const id: Record<string, string> = {};
  if (m.manager) id['manager'] = m.manager;
  id['operation'] = m.operation;
  if (m.operation !== 'Apply' && m.apiVersion) id['apiVersion'] = m.apiVersion;
  if (m.subresource) id['subresource'] = m.subresource;
  return JSON.stringify(id);
}

/** How an entry's manager is named in conflict messages (conflict.go printManager). */
export function describeManager(m: ManagerFields): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}

/**
 * Decodes managedFields. Entries that do not decode (bad operation or fieldsType, malformed
 * FieldsV1) are reported through `ok: false`, as DecodeManagedFields fails on them.
 */
export function decodeManagedFields(entries: unknown): { managers: Managers; ok: boolean } {
  const managers: Managers = new Map();
  if (!Array.isArray(entries)) return { managers, ok: entries === undefined || entries === null };
  for (const raw of entries) {
    if (raw === null || typeof raw !== 'object') return { managers: new Map(), ok: false };
    const e = raw as ManagedFieldsEntry;
    if (e.operation !== 'Apply' && e.operation !== 'Update') return { managers: new Map(), ok: false };
    let set: FieldSet;
    try {
      if (e.fieldsType !== 'FieldsV1') throw new Error('fieldsType');
      set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    } catch {
      return { managers: new Map(), ok: false };
    }
    const m: ManagerFields = {
      manager: e.manager ?? '',
      operation: e.operation,
      apiVersion: e.apiVersion ?? '',
      subresource: e.subresource ?? '',
      set,
    };
    if (e.time !== undefined) m.time = e.time;
    managers.set(managerIdentifier(m), m);
  }
  return { managers, ok: true };
}

/** Encodes managers, sorted as sortEncodedManagedFields sorts them; entries with no fields are dropped. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const list = [...managers.values()].filter((m) => !m.set.empty());
  const seconds = (t: string | undefined): number => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
  list.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const ps = seconds(p.time);
    const qs = seconds(q.time);
    if (ps !== qs) return ps - qs;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return p.subresource < q.subresource ? -1 : p.subresource > q.subresource ? 1 : 0;
  });
  return list.map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time !== undefined) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.set.toFieldsV1() as JsonObject;
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

/**
 * Fields no manager owns: type meta and the server-owned metadata (stripmeta.go). Removed as exact
 * paths, so `metadata` itself goes but `metadata.labels` stays.
 */
export const strippedFields: FieldSet = FieldSet.of(
  [fieldElement('apiVersion')],
  [fieldElement('kind')],
  [fieldElement('metadata')],
  ...[
    'name',
    'namespace',
    'creationTimestamp',
    'selfLink',
    'uid',
    'clusterName',
    'generation',
    'managedFields',
    'resourceVersion',
  ].map((f): FieldPath => [fieldElement('metadata'), fieldElement(f)]),
);

/** Drops the stripped fields from every manager and managers left with nothing. */
export function stripManagers(managers: Managers): void {
  for (const [id, m] of managers) {
    m.set = m.set.difference(strippedFields);
    if (m.set.empty()) managers.delete(id);
  }
}

/** DefaultMaxUpdateManagers in capmanagers.go. */
export const MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';

/**
 * Keeps at most {@link MAX_UPDATE_MANAGERS} Update entries: the oldest are folded, per API version,
 * into an `ancient-changes` entry (capmanagers.go).
 */
export function capUpdateManagers(managers: Managers, max = MAX_UPDATE_MANAGERS): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update').map(([id]) => id);
  if (updaters.length <= max) return;
  const seconds = (id: string): number => {
    const t = managers.get(id)?.time;
    return t ? Math.floor(Date.parse(t) / 1000) || 0 : 0;
  };
  updaters.sort((a, b) => seconds(a) - seconds(b) || (a < b ? -1 : a > b ? 1 : 0));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i] as string;
    const m = managers.get(id);
    if (!m) continue;
    const bucket: ManagerFields = {
      manager: ANCIENT_CHANGES,
      operation: 'Update',
      apiVersion: m.apiVersion,
      subresource: '',
      set: new FieldSet(),
    };
    const bucketId = managerIdentifier(bucket);
    const first = firstByVersion.get(m.apiVersion);
    if (first === undefined) {
      firstByVersion.set(m.apiVersion, id);
      continue;
    }
    if (!managers.has(bucketId)) {
      const firstFields = managers.get(first);
      managers.delete(first);
      if (firstFields)
        managers.set(bucketId, {
          ...bucket,
          set: firstFields.set,
          ...(firstFields.time ? { time: firstFields.time } : {}),
        });
    }
    const current = managers.get(bucketId) as ManagerFields;
    current.set = m.set.union(current.set);
    if (m.time !== undefined) current.time = m.time;
    else delete current.time;
    managers.delete(id);
    length--;
  }
}
