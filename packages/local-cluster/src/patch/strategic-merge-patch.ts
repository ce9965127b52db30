/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) as
 * k8s.io/apimachinery/pkg/util/strategicpatch (patch.go: StrategicMergeMapPatch / mergeMap) applies
 * it on the server, with merge strategies taken from the SMD schema instead of Go struct tags:
 * an associative list with keys merges by key (containers by `name`, env by `name`, conditions by
 * `type`, ...), an associative list without keys is a set of scalars, everything else is replaced.
 * Maps always merge. Directives: `$patch: replace|delete|merge`, `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`; `null` deletes.
 *
 * Errors are answered as apiserver's interpretStrategicMergePatchError
 * (k8s.io/apiserver/pkg/endpoints/handlers/patch.go) does: malformed directives 400, lists of lists
 * 422, anything else 500 with the strategicpatch message.
 */
import { ApiError, errors, isJsonObject, type JsonObject, type JsonValue } from '../api/index.js';
import type { TypeRef, TypeSet } from '../schema/index.js';
import { goSliceStable } from './go-stable-sort.js';
import {
  copyOriginal,
  goFormat,
  goKindName,
  parsePatch,
  unclassified,
  unprocessable,
  type PatchInput,
} from './patch-input.js';

const DIRECTIVE = '$patch';
const REPLACE = 'replace';
const DELETE = 'delete';
const MERGE = 'merge';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

// Messages of k8s.io/apimachinery/pkg/util/mergepatch/errors.go.
const BAD_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const BAD_RETAIN_KEYS = 'invalid patch format of retainKeys';
const BAD_SET_ELEMENT_ORDER = 'invalid patch format of setElementOrder list';
const LIST_OF_LISTS = 'lists of lists are not supported';

/**
 * SMD list keys differ from the Go `patchMergeKey` tag where a list has several keys: strategic
 * merge patch merges by the single tagged key (k8s.io/api/core/v1/types.go).
 */
const SMP_MERGE_KEY_BY_LIST_KEYS: Record<string, string> = {
  'containerPort,protocol': 'containerPort',
  'port,protocol': 'port',
  'topologyKey,whenUnsatisfiable': 'topologyKey',
};

type ElementKind = 'object' | 'scalar';

interface ListPatchMeta {
  merge: boolean;
  mergeKey: string;
  element: TypeRef | undefined;
}

/** Go reflect type name of a decoded JSON value, for ErrBadArgType messages. */
function goTypeName(value: unknown): string {
  if (Array.isArray(value)) return '[]interface {}';
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'object') return 'map[string]interface {}';
  if (typeof value === 'number') return 'float64';
  if (typeof value === 'boolean') return 'bool';
  return 'string';
}

function badArgType(expected: string, actual: unknown): ApiError {
  return unclassified(`expected a ${expected}, but received a ${goTypeName(actual)}`);
}

function noMergeKey(m: unknown, mergeKey: string): ApiError {
  return unclassified(`map: ${goFormat(m)} does not contain declared merge key: ${mergeKey}`);
}

function badPatchType(patchType: unknown, m: unknown): ApiError {
  return unclassified(`unknown patch type: ${goFormat(patchType)} in map: ${goFormat(m)}`);
}

/** `$setElementOrder/containers` -> `containers`, as strategicpatch's extractKey. */
function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw errors.badRequest(prefix === SET_ELEMENT_ORDER ? BAD_SET_ELEMENT_ORDER : BAD_PRIMITIVE_LIST);
  }
  return key.slice(slash + 1);
}

/** Removes null map values everywhere (discardNullValuesFromPatch). */
function discardNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(discardNulls);
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = discardNulls(v);
    return out;
  }
  return value;
}

/** The common kind of the elements of the lists (sliceElementType); undefined when all are empty. */
function sliceElementKind(...lists: JsonValue[][]): ElementKind | undefined {
  let previous: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const kind = goKindName(v);
      if (previous === undefined) {
        if (kind === 'array') throw unprocessable(LIST_OF_LISTS);
        previous = kind;
      } else if (previous !== kind) {
        throw unclassified(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  if (previous === undefined) return undefined;
  return previous === 'object' ? 'object' : 'scalar';
}

/** Go's deduplicateScalars, element order included (normalizeElementOrder re-orders afterwards). */
function deduplicateScalars(values: JsonValue[]): JsonValue[] {
  const s = [...values];
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length] as JsonValue;
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

function mergeKeyValue(item: JsonValue | undefined, mergeKey: string): JsonValue | undefined {
  return isJsonObject(item) ? item[mergeKey] : undefined;
}

/** Index of `value` in `list`, by merge key for maps (strategicpatch's index). */
function indexIn(list: JsonValue[], value: JsonValue, mergeKey: string, kind: ElementKind): number {
  if (kind === 'object') {
    const wanted = mergeKeyValue(value, mergeKey);
    return list.findIndex((v) => mergeKeyValue(v, mergeKey) === wanted);
  }
  return list.findIndex((v) => v === value);
}

/** The element of `list` whose merge key has `value` (findMapInSliceBasedOnKeyValue). */
function findByKey(list: JsonValue[], mergeKey: string, value: JsonValue | undefined): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isJsonObject(item)) throw unclassified(`value for key ${i} is not a map.`);
    if (mergeKey in item && item[mergeKey] === value) return i;
  }
  return -1;
}

function requireMergeKeys(mergeKey: string, ...lists: JsonValue[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isJsonObject(item)) throw badArgType('map', item);
      if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
    }
  }
}

function isDeleteDirective(item: JsonValue): boolean {
  return isJsonObject(item) && item[DIRECTIVE] === DELETE;
}

/** Sorts `toSort` by the order of `order` (normalizeSliceOrder); delete directives go last. */
function normalizeSliceOrder(
  toSort: JsonValue[],
  order: JsonValue[],
  mergeKey: string,
  kind: ElementKind,
): JsonValue[] {
  let items = [...toSort];
  let toDelete: JsonValue[] = [];
  if (kind === 'object') {
    requireMergeKeys(mergeKey, items, order);
    toDelete = items.filter(isDeleteDirective);
    items = items.filter((i) => !isDeleteDirective(i));
  }
  goSliceStable(items, (a, b) => {
    const ia = indexIn(order, a, mergeKey, kind);
    if (ia >= 0) {
      const ib = indexIn(order, b, mergeKey, kind);
      if (ib >= 0) return ia < ib;
    }
    return true;
  });
  return [...items, ...toDelete];
}

/** Interleaves server-only items into the patch items by the live order (mergeSortedSlice). */
function mergeSortedSlice(
  left: JsonValue[],
  right: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string,
  kind: ElementKind,
): JsonValue[] {
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) {
      out.push(right[j++] as JsonValue);
    } else if (j >= right.length) {
      out.push(left[i++] as JsonValue);
    } else {
      const li = indexIn(serverOrder, left[i] as JsonValue, mergeKey, kind);
      const ri = indexIn(serverOrder, right[j] as JsonValue, mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++] as JsonValue);
      else out.push(right[j++] as JsonValue);
    }
  }
  return out;
}

function normalizeElementOrder(
  patchItems: JsonValue[],
  serverOnly: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string,
  kind: ElementKind,
): JsonValue[] {
  const sortedPatch = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const sortedServer = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(sortedServer, sortedPatch, serverOrder, mergeKey, kind);
}

/** Splits `list` into the items present in `by` and the rest (partition*ByPresentInList). */
function partitionByPresence(
  list: JsonValue[],
  by: JsonValue[],
  mergeKey: string,
  kind: ElementKind,
): [JsonValue[], JsonValue[]] {
  const present: JsonValue[] = [];
  const absent: JsonValue[] = [];
  for (const v of list) {
    let found: boolean;
    if (kind === 'object') {
      if (!isJsonObject(v)) throw badArgType('map', v);
      if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
      found = findByKey(by, mergeKey, v[mergeKey]) >= 0;
    } else {
      found = by.some((b) => b === v);
    }
    (found ? present : absent).push(v);
  }
  return [present, absent];
}

class StrategicMerger {
  constructor(private readonly typeSet: TypeSet) {}

  /** The resolved type of a map member, undefined where the schema says nothing. */
  memberType(atom: TypeRef | undefined, key: string): TypeRef | undefined {
    if (!atom?.map) return undefined;
    const ref = this.typeSet.member(atom.map, key);
    return ref ? this.typeSet.resolve(ref) : undefined;
  }

  listMeta(atom: TypeRef | undefined): ListPatchMeta {
    const list = atom?.list;
    if (!list || list.elementRelationship !== 'associative')
      return { merge: false, mergeKey: '', element: undefined };
    const keys = list.keys ?? [];
    const mergeKey =
      keys.length === 0 ? '' : (SMP_MERGE_KEY_BY_LIST_KEYS[keys.join(',')] ?? (keys[0] as string));
    return { merge: true, mergeKey, element: this.typeSet.resolve(list.elementType) };
  }

  mergeMap(original: JsonObject, patch: JsonObject, atom: TypeRef | undefined): JsonObject {
    if (DIRECTIVE in patch) return this.mapDirective(patch[DIRECTIVE], patch);
    this.applyRetainKeys(original, patch);
    this.mergeSetElementOrderLists(original, patch, atom);

    for (const [patchKey, patchValue] of Object.entries(patch)) {
      let key = patchKey;
      let isDeleteList = false;
      if (patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        key = extractKey(patchKey, DELETE_FROM_PRIMITIVE_LIST);
        isDeleteList = true;
      }
      if (patchValue === null) {
        delete original[key];
        continue;
      }
      const fieldType = this.memberType(atom, key);
      if (!(key in original)) {
        if (!isDeleteList) original[key] = this.freshValue(patchValue, fieldType);
        continue;
      }
      const originalValue = original[key] as JsonValue;
      if (goKindName(originalValue) !== goKindName(patchValue)) {
        if (!isDeleteList) original[key] = discardNulls(patchValue);
        continue;
      }
      if (isJsonObject(originalValue)) {
        original[key] = this.mergeMap(originalValue, patchValue as JsonObject, fieldType);
      } else if (Array.isArray(originalValue)) {
        original[key] = this.mergeSliceHandler(
          originalValue,
          patchValue as JsonValue[],
          fieldType,
          isDeleteList,
        );
      } else {
        original[key] = patchValue;
      }
    }
    return original;
  }

  /**
   * A value for a key the original lacks. Upstream takes the patch value as it is (minus nulls) and
   * lets decoding drop leftover directives; processing it against an empty value gives the same
   * object without directive remnants in untyped places.
   */
  freshValue(patchValue: JsonValue, fieldType: TypeRef | undefined): JsonValue {
    if (isJsonObject(patchValue)) return this.mergeMap({}, patchValue, fieldType);
    if (Array.isArray(patchValue)) {
      const meta = this.listMeta(fieldType);
      const items = meta.merge ? patchValue.filter((v) => !(isJsonObject(v) && DIRECTIVE in v)) : patchValue;
      return discardNulls(items);
    }
    return patchValue;
  }

  mapDirective(directive: JsonValue | undefined, patch: JsonObject): JsonObject {
    if (directive === REPLACE) {
      const replaced = { ...patch };
      delete replaced[DIRECTIVE];
      return replaced;
    }
    if (directive === DELETE) return {};
    throw badPatchType(directive, patch);
  }

  /** `$retainKeys`: clears the original's keys missing from the list (applyRetainKeysDirective). */
  applyRetainKeys(original: JsonObject, patch: JsonObject): void {
    if (!(RETAIN_KEYS in patch)) return;
    const retain = patch[RETAIN_KEYS];
    delete patch[RETAIN_KEYS];
    if (!Array.isArray(retain)) throw errors.badRequest(BAD_RETAIN_KEYS);
    const keep = new Set<JsonValue>(retain);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
      if (!keep.has(k)) throw errors.badRequest(BAD_RETAIN_KEYS);
    }
    for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
  }

  /** Processes `$setElementOrder/<list>` with its list in the patch (mergePatchIntoOriginal). */
  mergeSetElementOrderLists(original: JsonObject, patch: JsonObject, atom: TypeRef | undefined): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
      const order = patch[key];
      delete patch[key];
      if (!Array.isArray(order)) throw badArgType('[]interface {}', order);
      const listKey = extractKey(key, SET_ELEMENT_ORDER);
      const foundOriginal = listKey in original;
      const foundPatch = listKey in patch;
      const originalList = original[listKey];
      const patchList = patch[listKey];
      if (foundOriginal && !Array.isArray(originalList)) throw badArgType('[]interface {}', originalList);
      if (foundPatch && !Array.isArray(patchList)) throw badArgType('[]interface {}', patchList);
      const originalItems = (foundOriginal ? originalList : []) as JsonValue[];
      const patchItems = (foundPatch ? patchList : []) as JsonValue[];

      const listType = this.memberType(atom, listKey);
      const meta = this.listMeta(listType);
      validatePatchWithSetOrderList(patchItems, order, meta.mergeKey);

      let merged: JsonValue[];
      if (foundOriginal && !foundPatch) merged = originalItems;
      else if (!foundOriginal && foundPatch)
        merged = patchItems.filter((v) => !(isJsonObject(v) && DIRECTIVE in v));
      else if (foundOriginal && foundPatch)
        merged = this.mergeSliceHandler(originalItems, patchItems, listType, false);
      else continue;

      const kind = sliceElementKind(originalItems, patchItems) ?? (meta.mergeKey ? 'object' : 'scalar');
      const [inOrder, serverOnly] = partitionByPresence(
        merged,
        order,
        meta.mergeKey,
        meta.mergeKey ? 'object' : 'scalar',
      );
      original[listKey] = normalizeElementOrder(
        inOrder,
        serverOnly,
        order,
        originalItems,
        meta.mergeKey,
        kind,
      );
      delete patch[listKey];
    }
  }

  mergeSliceHandler(
    original: JsonValue[],
    patch: JsonValue[],
    listType: TypeRef | undefined,
    isDeleteList: boolean,
  ): JsonValue[] {
    const meta = this.listMeta(listType);
    if (!meta.merge) return patch;
    return this.mergeSlice(original, patch, meta, isDeleteList);
  }

  mergeSlice(
    original: JsonValue[],
    patch: JsonValue[],
    meta: ListPatchMeta,
    isDeleteList: boolean,
  ): JsonValue[] {
    if (original.length === 0 && patch.length === 0) return original;
    const kind = sliceElementKind(original, patch) as ElementKind;
    let serverOrder = original;
    let patchOrder = patch;
    let merged: JsonValue[];
    if (kind === 'scalar') {
      if (isDeleteList) {
        const toDelete = new Set(patch);
        return original.filter((v) => !toDelete.has(v));
      }
      merged = deduplicateScalars([...original, ...patch]);
    } else {
      if (!meta.mergeKey) throw unclassified('cannot merge lists without merge key for type map');
      [serverOrder, patchOrder] = this.applyListDirectives(original, patch, meta.mergeKey);
      merged = [...serverOrder];
      for (const item of patchOrder) {
        const patchItem = item as JsonObject;
        if (!(meta.mergeKey in patchItem)) throw noMergeKey(patchItem, meta.mergeKey);
        const at = findByKey(merged, meta.mergeKey, patchItem[meta.mergeKey]);
        merged[at >= 0 ? at : merged.length] = this.mergeMap(
          at >= 0 ? (merged[at] as JsonObject) : {},
          patchItem,
          meta.element,
        );
      }
    }
    const mergeKey = kind === 'object' ? meta.mergeKey : '';
    const [inPatch, serverOnly] = partitionByPresence(merged, patchOrder, mergeKey, kind);
    return normalizeElementOrder(inPatch, serverOnly, patchOrder, serverOrder, mergeKey, kind);
  }

  /**
   * Handles list elements carrying `$patch` (mergeSliceWithSpecialElements): `delete` removes the
   * matching elements, `replace` makes the other patch elements the whole list.
   */
  applyListDirectives(
    original: JsonValue[],
    patch: JsonValue[],
    mergeKey: string,
  ): [JsonValue[], JsonValue[]] {
    let remaining = original;
    const plain: JsonValue[] = [];
    let replace = false;
    for (const item of patch) {
      const element = item as JsonObject;
      if (!(DIRECTIVE in element)) {
        plain.push(element);
        continue;
      }
      const directive = element[DIRECTIVE];
      if (directive === DELETE) {
        if (!(mergeKey in element)) throw noMergeKey(element, mergeKey);
        const value = element[mergeKey];
        remaining = remaining.filter((v) => {
          if (!isJsonObject(v)) throw unclassified('value for key 0 is not a map.');
          return !(mergeKey in v && v[mergeKey] === value);
        });
      } else if (directive === REPLACE) {
        replace = true;
      } else if (directive === MERGE) {
        throw unclassified('merging lists cannot yet be specified in the patch');
      } else {
        throw badPatchType(directive, element);
      }
    }
    return replace ? [plain, []] : [remaining, plain];
  }
}

/** Checks that the patch list follows the `$setElementOrder` list (validatePatchWithSetOrderList). */
function validatePatchWithSetOrderList(patchList: JsonValue[], order: JsonValue[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let nonDelete = patchList;
  if (mergeKey) {
    for (const item of patchList) if (!isJsonObject(item)) throw badArgType('map', item);
    nonDelete = patchList.filter((i) => !isDeleteDirective(i));
  }
  const keyOf = (item: JsonValue): JsonValue | undefined => {
    if (!mergeKey) return item;
    if (!isJsonObject(item)) throw badArgType('map', item);
    if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
    return item[mergeKey];
  };
  let patchIndex = 0;
  let orderIndex = 0;
  while (patchIndex < nonDelete.length && orderIndex < order.length) {
    const item = nonDelete[patchIndex] as JsonValue;
    if (isJsonObject(item) && DIRECTIVE in item) {
      patchIndex++;
      continue;
    }
    if (keyOf(item) === keyOf(order[orderIndex] as JsonValue)) patchIndex++;
    orderIndex++;
  }
  if (patchIndex < nonDelete.length && orderIndex >= order.length) {
    throw unclassified(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(order)}\n`,
    );
  }
}

/**
 * Applies a strategic merge patch to a copy of `original`, with the merge strategies of `typeName`
 * in `typeSet` (an unknown or undefined type merges maps and replaces lists). The patch must be a
 * JSON object (400 otherwise).
 */
export function applyStrategicMergePatch(
  original: object,
  patch: PatchInput,
  typeSet: TypeSet,
  typeName: string | undefined,
): JsonObject {
  const parsed = parsePatch(patch);
  const result = copyOriginal(original);
  if (parsed === null) return result;
  if (!isJsonObject(parsed)) {
    throw errors.badRequest(
      `json: cannot unmarshal ${goKindName(parsed)} into Go value of type map[string]interface {}`,
    );
  }
  const root = typeName ? typeSet.resolve({ namedType: typeName }) : undefined;
  return new StrategicMerger(typeSet).mergeMap(result, parsed, root);
}
