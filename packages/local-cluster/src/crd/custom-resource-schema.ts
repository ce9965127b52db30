/**
 * The structural schema of one CRD version applied to custom resources: pruning, defaulting,
 * validation (OpenAPI, list types, CEL) and conversion to the SMD TypeSet patch/ and apply/ use.
 * Follows k8s.io/apiextensions-apiserver/pkg/apiserver/schema/{pruning,defaulting,listtype,cel}.
 */
import {
  isJsonObject,
  jsonEqual,
  type JsonObject,
  type JsonValue,
  type KubeObject,
  type StatusCause,
} from '../api/index.js';
import {
  builtinTypes,
  TypeSet,
  UNTYPED_DEDUCED,
  type FieldDef,
  type NamedType,
  type TypeRef,
} from '../schema/index.js';
import {
  compileExpression,
  evaluationErrorMessage,
  optionalOldSelf,
  toCelValue,
  type CompiledExpression,
} from './cel.js';
import { validateListTypes, validateOpenAPIValue } from './openapi-validation.js';
import {
  additionalPropertiesSchema,
  asSchema,
  deepCopy,
  FieldPath,
  forbiddenCause,
  invalidCause,
  itemsSchema,
  requiredCause,
  duplicateCause,
  type JSONSchemaProps,
  type ValidationRule,
} from './schema-types.js';

/** The fields of meta/v1 ObjectMeta; anything else under `metadata` is pruned like unknown fields. */
const objectMetaFields = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function joinPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function specVersions(crd: KubeObject): JsonObject[] {
  const spec = isJsonObject(crd.spec) ? crd.spec : {};
  return Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
}

/** The reverse-domain type name upstream publishes a CRD kind under: `dev.opkit.v1.EtcdCluster`. */
export function customResourceTypeName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

/** A CRD version's schema, applied to its custom resources. */
export class CustomResourceSchema {
  private constructor(
    /** The version's openAPIV3Schema (an empty, preserve-everything schema when the CRD has none). */
    readonly schema: JSONSchemaProps,
    readonly group: string,
    readonly version: string,
    readonly kind: string,
  ) {}

  /** The schema of `version` of the CRD (per-version schema, or the v1beta1-style top-level one). */
  static forVersion(crd: KubeObject, version: string): CustomResourceSchema {
    const spec = isJsonObject(crd.spec) ? crd.spec : {};
    const names = isJsonObject(spec.names) ? spec.names : {};
    const v = specVersions(crd).find((x) => x.name === version);
    const perVersion = isJsonObject(v?.schema) ? asSchema(v.schema.openAPIV3Schema) : undefined;
    const topLevel = isJsonObject(spec.validation) ? asSchema(spec.validation.openAPIV3Schema) : undefined;
    const schema = perVersion ?? topLevel ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    return new CustomResourceSchema(
      schema,
      typeof spec.group === 'string' ? spec.group : '',
      version,
      typeof names.kind === 'string' ? names.kind : '',
    );
  }

  /** Wraps a bare schema (tests, embedded use). */
  static fromSchema(
    schema: JSONSchemaProps,
    gvk: { group?: string; version?: string; kind?: string } = {},
  ): CustomResourceSchema {
    return new CustomResourceSchema(schema, gvk.group ?? '', gvk.version ?? 'v1', gvk.kind ?? 'Object');
  }

  // ---------------------------------------------------------------- pruning

  /**
   * Removes the fields the schema does not specify, in place, and returns their paths
   * (`spec.foo`, `spec.items[0].bar`) for fieldValidation. apiVersion, kind and metadata of the
   * resource and of embedded resources are kept; metadata keeps only ObjectMeta fields.
   */
  prune(obj: JsonObject): string[] {
    const removed: string[] = [];
    this.pruneObject(obj, this.schema, '', true, removed);
    return removed;
  }

  private pruneValue(
    value: JsonValue,
    s: JSONSchemaProps | undefined,
    path: string,
    removed: string[],
  ): void {
    if (Array.isArray(value)) {
      const items = s ? itemsSchema(s) : undefined;
      if (!s || (!items && s['x-kubernetes-preserve-unknown-fields'])) return;
      value.forEach((v, i) => this.pruneValue(v, items, `${path}[${i}]`, removed));
      return;
    }
    if (isJsonObject(value)) {
      if (!s) return;
      this.pruneObject(value, s, path, !!s['x-kubernetes-embedded-resource'], removed);
    }
  }

  private pruneObject(
    obj: JsonObject,
    s: JSONSchemaProps,
    path: string,
    isResource: boolean,
    removed: string[],
  ): void {
    const props = s.properties ?? {};
    const additional = s.additionalProperties;
    const preserve = !!s['x-kubernetes-preserve-unknown-fields'];
    for (const key of Object.keys(obj)) {
      const child = joinPath(path, key);
      if (isResource && (key === 'apiVersion' || key === 'kind')) continue;
      if (isResource && key === 'metadata') {
        const meta = obj.metadata;
        if (isJsonObject(meta)) {
          for (const mk of Object.keys(meta)) {
            if (!objectMetaFields.has(mk)) {
              delete meta[mk];
              removed.push(`${child}.${mk}`);
            }
          }
        }
        continue;
      }
      const sub = asSchema(props[key]);
      if (sub) {
        this.pruneValue(obj[key], sub, child, removed);
        continue;
      }
      if (additional !== undefined && additional !== false) {
        if (additional !== true) this.pruneValue(obj[key], asSchema(additional), child, removed);
        continue;
      }
      if (preserve) continue;
      delete obj[key];
      removed.push(child);
    }
  }

  // ---------------------------------------------------------------- defaulting

  /**
   * Applies `default` values in place, as apiextensions-apiserver/pkg/apiserver/schema/defaulting
   * does after pruning: a missing field (or a null one that is not nullable) gets its default, then
   * defaulting descends into every present value, so nested defaults apply only where the parent
   * exists (or was itself defaulted). Nulls of non-nullable fields without default are dropped.
   */
  applyDefaults(obj: JsonObject): void {
    this.defaultValue(obj, this.schema, true);
    this.pruneNonNullableNulls(obj, this.schema, true);
  }

  private defaultValue(value: JsonValue, s: JSONSchemaProps | undefined, isRoot = false): void {
    if (!s) return;
    if (Array.isArray(value)) {
      const items = itemsSchema(s);
      if (!items) return;
      value.forEach((v, i) => {
        if (v === null && items.default !== undefined && !items.nullable) value[i] = deepCopy(items.default);
        this.defaultValue(value[i], items);
      });
      return;
    }
    if (!isJsonObject(value)) return;
    const props = s.properties ?? {};
    for (const [k, prop] of Object.entries(props)) {
      if (isRoot && k === 'metadata') continue;
      const p = asSchema(prop);
      if (!p || p.default === undefined) continue;
      if (!(k in value) || (value[k] === null && !p.nullable)) value[k] = deepCopy(p.default);
    }
    const additional = additionalPropertiesSchema(s);
    for (const [k, v] of Object.entries(value)) {
      if (isRoot && k === 'metadata') continue;
      const p = asSchema(props[k]) ?? additional;
      this.defaultValue(v, p);
    }
  }

  private pruneNonNullableNulls(value: JsonValue, s: JSONSchemaProps | undefined, isRoot = false): void {
    if (!s) return;
    if (Array.isArray(value)) {
      const items = itemsSchema(s);
      value.forEach((v) => this.pruneNonNullableNulls(v, items));
      return;
    }
    if (!isJsonObject(value)) return;
    const props = s.properties ?? {};
    const additional = additionalPropertiesSchema(s);
    for (const [k, v] of Object.entries(value)) {
      if (isRoot && k === 'metadata') continue;
      const p = asSchema(props[k]) ?? additional;
      if (!p) continue;
      if (v === null && !p.nullable && p.default === undefined) delete value[k];
      else this.pruneNonNullableNulls(v, p);
    }
  }

  // ---------------------------------------------------------------- validation

  /**
   * Validates a (pruned, defaulted) object: OpenAPI value validation, list-type uniqueness,
   * embedded-resource type fields, then the `x-kubernetes-validations` rules (transition rules
   * using `oldSelf` run only on update, where an old value correlates).
   */
  validate(obj: JsonObject, old?: JsonObject): StatusCause[] {
    const causes = validateOpenAPIValue(obj, this.schemaForValidation(), '');
    validateListTypes(obj, this.schema, '', causes);
    this.validateEmbedded(obj, this.schema, '', causes, true);
    // as the customresource strategy's hasBlockingErr: CEL rules do not run on wrongly typed values
    if (causes.some((c) => c.reason === 'FieldValueTypeInvalid')) {
      causes.push(
        invalidCause(
          '<nil>',
          null,
          'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
        ),
      );
      return causes;
    }
    this.validateRules(obj, old, this.schema, FieldPath.root(), true, causes);
    return causes;
  }

  /** The root schema with metadata's schema reduced to name/generateName, as upstream validates. */
  private schemaForValidation(): JSONSchemaProps {
    const meta = asSchema(this.schema.properties?.metadata);
    if (!meta) return this.schema;
    const kept: Record<string, JSONSchemaProps> = {};
    for (const k of ['name', 'generateName']) {
      const p = asSchema(meta.properties?.[k]);
      if (p) kept[k] = p;
    }
    return {
      ...this.schema,
      properties: { ...this.schema.properties, metadata: { type: 'object', properties: kept } },
    };
  }

  private validateEmbedded(
    value: unknown,
    s: JSONSchemaProps | undefined,
    path: string,
    out: StatusCause[],
    isRoot = false,
  ): void {
    if (!s || value === null || value === undefined) return;
    if (Array.isArray(value)) {
      const items = itemsSchema(s);
      value.forEach((v, i) => this.validateEmbedded(v, items, `${path}[${i}]`, out));
      return;
    }
    if (!isJsonObject(value)) return;
    if (!isRoot && s['x-kubernetes-embedded-resource'] && Object.keys(value).length > 0) {
      // as apiextensions-apiserver/pkg/apiserver/schema/objectmeta validates embedded resources
      if (typeof value.apiVersion !== 'string' || value.apiVersion === '') {
        out.push(requiredCause(joinPath(path, 'apiVersion'), 'must not be empty'));
      }
      if (typeof value.kind !== 'string' || value.kind === '') {
        out.push(requiredCause(joinPath(path, 'kind'), 'must not be empty'));
      }
    }
    const props = s.properties ?? {};
    const additional = additionalPropertiesSchema(s);
    for (const [k, v] of Object.entries(value)) {
      if (isRoot && k === 'metadata') continue;
      this.validateEmbedded(v, asSchema(props[k]) ?? additional, joinPath(path, k), out);
    }
  }

  private validateRules(
    value: unknown,
    old: unknown,
    s: JSONSchemaProps | undefined,
    path: FieldPath,
    isResourceRoot: boolean,
    out: StatusCause[],
  ): void {
    if (!s || value === null || value === undefined) return;
    const rules: ValidationRule[] = [...(s['x-kubernetes-validations'] ?? [])];
    for (const sub of s.allOf ?? []) rules.push(...(asSchema(sub)?.['x-kubernetes-validations'] ?? []));
    if (rules.length > 0) this.runRules(rules, value, old, s, path, isResourceRoot, out);

    if (Array.isArray(value)) {
      const items = itemsSchema(s);
      if (!items) return;
      const oldItems = Array.isArray(old) ? old : [];
      const keys =
        s['x-kubernetes-list-type'] === 'map' ? (s['x-kubernetes-list-map-keys'] ?? []) : undefined;
      value.forEach((item, i) => {
        // only map-type lists correlate items with the old list (by key), as upstream's makeMapList
        const oldItem = keys
          ? oldItems.find(
              (o) => isJsonObject(o) && isJsonObject(item) && keys.every((k) => jsonEqual(o[k], item[k])),
            )
          : undefined;
        this.validateRules(
          item,
          oldItem,
          items,
          path.index(i),
          !!items['x-kubernetes-embedded-resource'],
          out,
        );
      });
      return;
    }
    if (!isJsonObject(value)) return;
    const correlatable = s['x-kubernetes-map-type'] !== 'atomic';
    const oldMap = correlatable && isJsonObject(old) ? old : undefined;
    const props = s.properties ?? {};
    const additional = additionalPropertiesSchema(s);
    for (const [k, v] of Object.entries(value)) {
      const p = asSchema(props[k]);
      if (p) {
        this.validateRules(v, oldMap?.[k], p, path.child(k), !!p['x-kubernetes-embedded-resource'], out);
      } else if (additional) {
        this.validateRules(
          v,
          oldMap?.[k],
          additional,
          path.key(k),
          !!additional['x-kubernetes-embedded-resource'],
          out,
        );
      }
    }
  }

  private runRules(
    rules: ValidationRule[],
    value: unknown,
    old: unknown,
    s: JSONSchemaProps,
    path: FieldPath,
    isResourceRoot: boolean,
    out: StatusCause[],
  ): void {
    const type = s.type ?? '';
    const field = path.toString() || '<nil>';
    const selfValue = isResourceRoot ? resourceRootView(value) : value;
    const oldValue =
      old === undefined || old === null ? undefined : isResourceRoot ? resourceRootView(old) : old;
    let self: unknown;
    let oldSelf: unknown;
    let converted = false;
    for (const rule of rules) {
      if (!rule.rule) continue;
      const compiled = compileExpression(rule.rule, 'bool');
      if (!compiled.ok) {
        out.push(invalidCause(field, type, `rule compile error: ${compiled.error}`));
        continue;
      }
      // transition rules run only when there is a correlated old value, unless oldSelf is optional
      const optional = rule.optionalOldSelf === true && compiled.expression.usesOldSelf;
      if (compiled.expression.usesOldSelf && oldValue === undefined && !optional) continue;
      if (!converted) {
        self = toCelValue(selfValue, s);
        oldSelf = oldValue === undefined ? undefined : toCelValue(oldValue, s);
        converted = true;
      }
      let result: unknown;
      try {
        result = compiled.expression.run({ self, oldSelf: optional ? optionalOldSelf(oldSelf) : oldSelf });
      } catch (err) {
        out.push(
          invalidCause(
            field,
            type,
            `${evaluationErrorMessage(err)} evaluating rule: ${ruleErrorString(rule)}`,
          ),
        );
        continue;
      }
      if (result === true) continue;
      const target = rule.fieldPath ? joinRuleFieldPath(path, rule.fieldPath) : field;
      const detail = this.messageFor(rule, { self, oldSelf });
      out.push(causeForReason(target, type, detail, rule.reason));
    }
  }

  private messageFor(rule: ValidationRule, vars: { self: unknown; oldSelf: unknown }): string {
    if (rule.messageExpression) {
      const compiled = compileExpression(rule.messageExpression, 'string');
      if (compiled.ok) {
        try {
          const msg = runMessage(compiled.expression, vars);
          if (msg) return msg;
        } catch {
          // upstream logs the failure and falls back to message / the rule
        }
      }
    }
    return rule.message?.trim() ? rule.message.trim() : `failed rule: ${ruleErrorString(rule)}`;
  }

  // ---------------------------------------------------------------- SMD type set

  /**
   * The schema as an SMD TypeSet for patch/apply: properties -> struct fields, additionalProperties
   * -> map element type, list-type map -> associative with keys, set -> associative, atomic / unset
   * -> atomic lists, map-type atomic -> atomic maps, preserve-unknown-fields -> deduced untyped,
   * int-or-string -> untyped scalar, metadata -> ObjectMeta.
   */
  toTypeSet(): { typeSet: TypeSet; typeName: string } {
    const typeName = customResourceTypeName(this.group, this.version, this.kind);
    const root = this.typeRefFor(this.schema, true);
    const types: NamedType[] = [
      {
        name: typeName,
        ...(root.map ? { map: root.map } : {}),
        ...(root.scalar ? { scalar: root.scalar } : {}),
      },
    ];
    if (!root.map && !root.scalar)
      types[0] = { name: typeName, map: { elementType: { namedType: UNTYPED_DEDUCED } } };
    types.push(...objectMetaTypes());
    return { typeSet: new TypeSet(types), typeName };
  }

  private typeRefFor(s: JSONSchemaProps, isResource = false): TypeRef {
    const preserve = !!s['x-kubernetes-preserve-unknown-fields'];
    if (s['x-kubernetes-int-or-string']) return { scalar: 'untyped' };
    const type = s.type;
    if (type === 'string' || type === 'boolean') return { scalar: type };
    if (type === 'integer' || type === 'number') return { scalar: 'numeric' };
    if (type === 'array') {
      const items = itemsSchema(s);
      const listType = s['x-kubernetes-list-type'];
      const elementType = items
        ? this.typeRefFor(items, !!items['x-kubernetes-embedded-resource'])
        : { namedType: UNTYPED_DEDUCED };
      if (listType === 'map') {
        return {
          list: {
            elementType,
            elementRelationship: 'associative',
            keys: [...(s['x-kubernetes-list-map-keys'] ?? [])],
          },
        };
      }
      if (listType === 'set') return { list: { elementType, elementRelationship: 'associative' } };
      return { list: { elementType, elementRelationship: 'atomic' } };
    }
    if (type === 'object' || isResource || s.properties || s.additionalProperties !== undefined) {
      const fields: FieldDef[] = [];
      const embedded = isResource || !!s['x-kubernetes-embedded-resource'];
      if (embedded) {
        fields.push({ name: 'apiVersion', type: { scalar: 'string' } });
        fields.push({ name: 'kind', type: { scalar: 'string' } });
        fields.push({ name: 'metadata', type: { namedType: OBJECT_META } });
      }
      for (const [name, prop] of Object.entries(s.properties ?? {})) {
        if (embedded && (name === 'apiVersion' || name === 'kind' || name === 'metadata')) continue;
        const p = asSchema(prop);
        if (!p) continue;
        const field: FieldDef = { name, type: this.typeRefFor(p) };
        if (p.default !== undefined) field.default = p.default;
        fields.push(field);
      }
      const additional = additionalPropertiesSchema(s);
      const map: NonNullable<TypeRef['map']> = { fields };
      if (additional) map.elementType = this.typeRefFor(additional);
      else if (s.additionalProperties === true || preserve) map.elementType = { namedType: UNTYPED_DEDUCED };
      if (s['x-kubernetes-map-type'] === 'atomic') map.elementRelationship = 'atomic';
      else if (s['x-kubernetes-map-type'] === 'granular') map.elementRelationship = 'separable';
      if (fields.length === 0) delete map.fields;
      return { map };
    }
    // no type: preserve-unknown-fields (or an empty schema): anything, merged field by field
    return { namedType: UNTYPED_DEDUCED };
  }

  // ---------------------------------------------------------------- OpenAPI publishing

  /**
   * The schema as kube-apiserver publishes it in /openapi/v3 (and, converted, /openapi/v2):
   * apiVersion, kind and metadata (a reference to ObjectMeta) filled in, and
   * `x-kubernetes-group-version-kind` set.
   */
  openAPIV3(): JsonObject {
    const s = deepCopy(this.schema as unknown as JsonObject);
    const props = isJsonObject(s.properties) ? s.properties : {};
    props.apiVersion = {
      description:
        'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
      type: 'string',
    };
    props.kind = {
      description:
        'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
      type: 'string',
    };
    props.metadata = {
      allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }],
      default: {},
      description:
        "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    };
    s.properties = props;
    s.type = 'object';
    s['x-kubernetes-group-version-kind'] = [{ group: this.group, kind: this.kind, version: this.version }];
    return s;
  }
}

/** The resource root as CEL sees it: metadata reduced to name and generateName (model.WithTypeAndObjectMeta). */
function resourceRootView(value: unknown): unknown {
  if (!isJsonObject(value)) return value;
  const view: JsonObject = { ...value };
  if (isJsonObject(value.metadata)) {
    const meta: JsonObject = {};
    if (value.metadata.name !== undefined) meta.name = value.metadata.name;
    if (value.metadata.generateName !== undefined) meta.generateName = value.metadata.generateName;
    view.metadata = meta;
  }
  return view;
}

function runMessage(expression: CompiledExpression, vars: { self: unknown; oldSelf: unknown }): string {
  const result = expression.run(vars);
  if (typeof result !== 'string') return '';
  const trimmed = result.trim();
  return trimmed.includes('\n') ? '' : trimmed;
}

function ruleErrorString(rule: ValidationRule): string {
  return rule.message?.trim() ? rule.message.trim() : (rule.rule ?? '').trim();
}

/** Appends a rule's `fieldPath` (`.spec.x`, `.x['y']`) to the node's path. */
function joinRuleFieldPath(path: FieldPath, fieldPath: string): string {
  let p = path;
  const re = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(fieldPath)) !== null) {
    if (m[1] !== undefined) p = p.child(m[1]);
    else p = p.key(m[2].replace(/\\(.)/g, '$1'));
  }
  return p.toString() || '<nil>';
}

/** fieldErrorForReason of apiextensions-apiserver/pkg/apiserver/schema/cel/validation.go. */
function causeForReason(
  field: string,
  type: string,
  detail: string,
  reason: string | undefined,
): StatusCause {
  switch (reason) {
    case 'FieldValueForbidden':
      return forbiddenCause(field, detail);
    case 'FieldValueRequired':
      return requiredCause(field, detail);
    case 'FieldValueDuplicate':
      return duplicateCause(field, type);
    default:
      return invalidCause(field, type, detail);
  }
}

let objectMetaClosure: NamedType[] | undefined;
/** ObjectMeta and every named type it refers to, copied from the built-in schema. */
function objectMetaTypes(): NamedType[] {
  if (objectMetaClosure) return objectMetaClosure;
  const out = new Map<string, NamedType>();
  const visit = (ref: TypeRef | undefined): void => {
    if (!ref) return;
    if (ref.namedType && !out.has(ref.namedType)) {
      const t = builtinTypes.get(ref.namedType);
      if (!t) return;
      out.set(t.name, t);
      visit({ list: t.list, map: t.map });
    }
    if (ref.list) visit(ref.list.elementType);
    if (ref.map) {
      visit(ref.map.elementType);
      for (const f of ref.map.fields ?? []) visit(f.type);
    }
  };
  visit({ namedType: OBJECT_META });
  objectMetaClosure = [...out.values()];
  return objectMetaClosure;
}
