/**
 * Validation of CustomResourceDefinition objects (apiextensions.k8s.io/v1), as
 * k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation and
 * pkg/apiserver/schema (structural schema rules) do it; field paths and messages as upstream.
 */
import { isJsonObject, type JsonObject, type KubeObject, type StatusCause } from '../api/index.js';
import { compileExpression } from './cel.js';
import { compilePattern, validateOpenAPIValue } from './openapi-validation.js';
import {
  additionalPropertiesSchema,
  asSchema,
  FieldPath,
  forbiddenCause,
  invalidCause,
  itemsSchema,
  notSupportedCause,
  requiredCause,
  type JSONSchemaProps,
  type ValidationRule,
} from './schema-types.js';

const dns1035Pattern = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1123SubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** validation.IsDNS1035Label's messages (k8s.io/apimachinery/pkg/util/validation). */
export function dns1035LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!dns1035Pattern.test(value)) {
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return errs;
}

/** validation.IsDNS1123Subdomain's messages. */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!dns1123SubdomainPattern.test(value)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return errs;
}

const openapiV3Types = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const printerColumnTypes = ['boolean', 'date', 'integer', 'number', 'string'];
const printerColumnFormats = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const ruleReasons = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function obj(v: unknown): JsonObject {
  return isJsonObject(v) ? v : {};
}

/**
 * The bad value printed for a rule that does not compile: field.Error prints non-scalar values as
 * Go's encoding/json does, and the internal ValidationRule type has no JSON tags.
 */
function goRule(rule: ValidationRule): string {
  const json = JSON.stringify({
    Rule: rule.rule ?? '',
    Message: rule.message ?? '',
    MessageExpression: rule.messageExpression ?? '',
    Reason: rule.reason ?? null,
    FieldPath: rule.fieldPath ?? '',
    OptionalOldSelf: rule.optionalOldSelf ?? null,
  });
  // encoding/json escapes HTML characters
  return json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

function rawInvalid(field: string, printedValue: string, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${printedValue}: ${detail}` };
}

/**
 * Validates a CRD on create, or on update when `old` is given (then also the immutable fields:
 * group and plural always, scope and kind once the CRD is Established).
 */
export function validateCustomResourceDefinition(crd: KubeObject, old?: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj(crd.spec);
  const names = obj(spec.names);
  const group = str(spec.group);
  const plural = str(names.plural);

  // metadata.name: DNS subdomain and <plural>.<group>
  const meta = crd.metadata ?? {};
  const name = str(meta.name);
  if (!name && !str(meta.generateName)) {
    causes.push(requiredCause('metadata.name', 'name or generateName is required'));
  } else if (name) {
    for (const msg of dns1123SubdomainErrors(name)) causes.push(invalidCause('metadata.name', name, msg));
    if (name !== `${plural}.${group}`)
      causes.push(invalidCause('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  }

  // spec.group
  if (!group) causes.push(requiredCause('spec.group'));
  else {
    const errs = dns1123SubdomainErrors(group);
    if (errs.length > 0) causes.push(invalidCause('spec.group', group, errs.join(',')));
    else if (group.split('.').length < 2)
      causes.push(invalidCause('spec.group', group, 'should be a domain with at least one dot'));
  }

  // spec.scope
  const scope = str(spec.scope);
  if (!scope) causes.push(requiredCause('spec.scope'));
  else if (scope !== 'Cluster' && scope !== 'Namespaced')
    causes.push(notSupportedCause('spec.scope', scope, ['Cluster', 'Namespaced']));

  // spec.versions
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  let storageCount = 0;
  const seen = new Set<string>();
  let unique = true;
  versions.forEach((raw, i) => {
    const v = obj(raw);
    const path = FieldPath.root('spec').child('versions').index(i);
    const vname = str(v.name);
    if (v.storage === true) storageCount++;
    if (seen.has(vname)) unique = false;
    seen.add(vname);
    const errs = dns1035LabelErrors(vname);
    if (errs.length > 0) causes.push(invalidCause(path.child('name').toString(), vname, errs.join(',')));
    causes.push(...validateVersion(v, path));
  });
  if (!unique) causes.push(invalidCause('spec.versions', versions, 'must contain unique version names'));
  if (storageCount !== 1) {
    causes.push(
      invalidCause('spec.versions', versions, 'must have exactly one version marked as storage version'),
    );
  }

  // spec.names
  if (!plural) causes.push(requiredCause('spec.names.plural'));
  if (!str(names.singular)) causes.push(requiredCause('spec.names.singular'));
  if (!str(names.kind)) causes.push(requiredCause('spec.names.kind'));
  if (!str(names.listKind)) causes.push(requiredCause('spec.names.listKind'));
  causes.push(...validateNames(names, 'spec.names'));

  // spec.conversion
  const conversion = obj(spec.conversion);
  const strategy = conversion.strategy;
  if (strategy !== undefined && strategy !== 'None' && strategy !== 'Webhook') {
    causes.push(notSupportedCause('spec.conversion.strategy', strategy, ['None', 'Webhook']));
  }
  if (spec.preserveUnknownFields === true) {
    causes.push(
      invalidCause(
        'spec.preserveUnknownFields',
        true,
        'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead',
      ),
    );
  }

  if (old) causes.push(...validateUpdate(crd, old));
  return causes;
}

function validateNames(names: JsonObject, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const plural = str(names.plural);
  const singular = str(names.singular);
  const kind = str(names.kind);
  const listKind = str(names.listKind);
  let errs = dns1035LabelErrors(plural);
  if (plural && errs.length) causes.push(invalidCause(`${path}.plural`, plural, errs.join(',')));
  errs = dns1035LabelErrors(singular);
  if (singular && errs.length) causes.push(invalidCause(`${path}.singular`, singular, errs.join(',')));
  errs = dns1035LabelErrors(kind.toLowerCase());
  if (kind && errs.length)
    causes.push(
      invalidCause(
        `${path}.kind`,
        kind,
        `may have mixed case, but should otherwise match: ${errs.join(',')}`,
      ),
    );
  errs = dns1035LabelErrors(listKind.toLowerCase());
  if (listKind && errs.length) {
    causes.push(
      invalidCause(
        `${path}.listKind`,
        listKind,
        `may have mixed case, but should otherwise match: ${errs.join(',')}`,
      ),
    );
  }
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((s, i) => {
    const e = dns1035LabelErrors(str(s));
    if (e.length) causes.push(invalidCause(`${path}.shortNames[${i}]`, s, e.join(',')));
  });
  if (kind && kind === listKind)
    causes.push(invalidCause(`${path}.listKind`, listKind, 'kind and listKind may not be the same'));
  (Array.isArray(names.categories) ? names.categories : []).forEach((c, i) => {
    const e = dns1035LabelErrors(str(c));
    if (e.length) causes.push(invalidCause(`${path}.categories[${i}]`, c, e.join(',')));
  });
  return causes;
}

function isEstablished(crd: KubeObject): boolean {
  const conditions = Array.isArray(obj(crd.status).conditions)
    ? (obj(crd.status).conditions as unknown[])
    : [];
  return conditions.some((c) => isJsonObject(c) && c.type === 'Established' && c.status === 'True');
}

function validateUpdate(crd: KubeObject, old: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj(crd.spec);
  const oldSpec = obj(old.spec);
  const immutable = (field: string, a: unknown, b: unknown): void => {
    if (a !== b) causes.push(invalidCause(field, a ?? '', 'field is immutable'));
  };
  if (isEstablished(old)) {
    immutable('spec.scope', spec.scope, oldSpec.scope);
    immutable('spec.names.kind', obj(spec.names).kind, obj(oldSpec.names).kind);
  }
  immutable('spec.group', spec.group, oldSpec.group);
  immutable('spec.names.plural', obj(spec.names).plural, obj(oldSpec.names).plural);
  return causes;
}

function validateVersion(v: JsonObject, path: FieldPath): StatusCause[] {
  const causes: StatusCause[] = [];
  const schemaHolder = obj(v.schema);
  const schema = asSchema(schemaHolder.openAPIV3Schema);
  const schemaPath = path.child('schema', 'openAPIV3Schema');
  if (!schema) causes.push(requiredCause(schemaPath.toString(), 'schemas are required'));
  else causes.push(...validateSchema(schema, schemaPath));

  // subresources
  const sub = obj(v.subresources);
  if (isJsonObject(sub.scale)) {
    const scale = sub.scale;
    const scalePath = path.child('subresources', 'scale');
    const checkPath = (fieldName: string, prefix: string, required: boolean): void => {
      const value = str(scale[fieldName]);
      const field = `${scalePath}.${fieldName}`;
      if (!value) {
        if (required) causes.push(requiredCause(field));
        return;
      }
      if (!value.startsWith('.'))
        causes.push(invalidCause(field, value, 'must be a simple json path starting with .'));
      else if (!value.startsWith(`${prefix}.`))
        causes.push(invalidCause(field, value, `should be a json path under ${prefix}`));
    };
    checkPath('specReplicasPath', '.spec', true);
    checkPath('statusReplicasPath', '.status', true);
    checkPath('labelSelectorPath', '.status', false);
  }

  // additionalPrinterColumns
  (Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []).forEach((raw, i) => {
    const col = obj(raw);
    const colPath = path.child('additionalPrinterColumns').index(i);
    if (!str(col.name)) causes.push(requiredCause(colPath.child('name').toString()));
    const type = str(col.type);
    if (!type)
      causes.push(
        requiredCause(colPath.child('type').toString(), `must be one of ${printerColumnTypes.join(',')}`),
      );
    else if (!printerColumnTypes.includes(type)) {
      causes.push(
        invalidCause(
          colPath.child('type').toString(),
          type,
          `must be one of ${printerColumnTypes.join(',')}`,
        ),
      );
    }
    const format = str(col.format);
    if (format && !printerColumnFormats.includes(format)) {
      causes.push(
        invalidCause(
          colPath.child('format').toString(),
          format,
          `must be one of ${printerColumnFormats.join(',')}`,
        ),
      );
    }
    const jsonPath = str(col.jsonPath);
    if (!jsonPath) causes.push(requiredCause(colPath.child('jsonPath').toString()));
    else if (!jsonPath.startsWith('.'))
      causes.push(
        invalidCause(
          colPath.child('jsonPath').toString(),
          jsonPath,
          'must be a simple json path starting with .',
        ),
      );
  });
  return causes;
}

/** Validates one version's openAPIV3Schema: generic rules, then structural rules, then defaults and CEL. */
export function validateSchema(schema: JSONSchemaProps, path: FieldPath): StatusCause[] {
  const generic: StatusCause[] = [];
  validateSchemaNode(schema, path, generic);
  const structural: StatusCause[] = [];
  validateStructural(schema, 'root', path, structural, false);
  structural.sort((a, b) => {
    const x = `${a.field}: ${a.message}`;
    const y = `${b.field}: ${b.message}`;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const causes = [...generic, ...structural];
  if (causes.length === 0) {
    validateDefaults(schema, path, causes, true);
    validateRules(schema, path, causes, undefined);
  }
  return causes;
}

/** The OpenAPI-level checks of ValidateCustomResourceDefinitionOpenAPISchema. */
function validateSchemaNode(s: JSONSchemaProps, path: FieldPath, out: StatusCause[]): void {
  const at = (name: string): string => path.child(name).toString();
  if (s.id) out.push(forbiddenCause(at('id'), 'id is not supported'));
  if (s.additionalItems !== undefined)
    out.push(forbiddenCause(at('additionalItems'), 'additionalItems is not supported'));
  if (s.patternProperties && Object.keys(s.patternProperties).length)
    out.push(forbiddenCause(at('patternProperties'), 'patternProperties is not supported'));
  if (s.definitions && Object.keys(s.definitions).length)
    out.push(forbiddenCause(at('definitions'), 'definitions is not supported'));
  if (s.dependencies) out.push(forbiddenCause(at('dependencies'), 'dependencies is not supported'));
  if (s.$ref !== undefined) out.push(forbiddenCause(at('$ref'), '$ref is not supported'));
  if (s.type === 'null') out.push(forbiddenCause(at('type'), 'type cannot be set to null'));
  else if (s.type && !openapiV3Types.includes(s.type))
    out.push(notSupportedCause(at('type'), s.type, openapiV3Types));
  if (Array.isArray(s.items))
    out.push(forbiddenCause(at('items'), 'items must be a schema object and not an array'));
  if (s.uniqueItems === true)
    out.push(
      forbiddenCause(
        at('uniqueItems'),
        'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      ),
    );
  if (s.additionalProperties !== undefined && s.properties && Object.keys(s.properties).length > 0) {
    if (s.additionalProperties === false || typeof s.additionalProperties === 'object') {
      out.push(
        forbiddenCause(
          at('additionalProperties'),
          'additionalProperties and properties are mutual exclusive',
        ),
      );
    }
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    out.push(invalidCause(at('x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  }
  if (typeof s.pattern === 'string' && compilePattern(s.pattern) === null) {
    out.push(
      invalidCause(
        at('pattern'),
        s.pattern,
        "must be a valid regular expression, but isn't: error parsing regexp",
      ),
    );
  }
  validateListAndMapTypes(s, path, out);

  const additional = additionalPropertiesSchema(s);
  if (additional) validateSchemaNode(additional, path.child('additionalProperties'), out);
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    const sub = asSchema(p);
    if (sub) validateSchemaNode(sub, path.child('properties').key(k), out);
  }
  const not = asSchema(s.not);
  if (not) validateSchemaNode(not, path.child('not'), out);
  for (const [name, list] of [
    ['allOf', s.allOf],
    ['oneOf', s.oneOf],
    ['anyOf', s.anyOf],
  ] as const) {
    (list ?? []).forEach((sub, i) => {
      const x = asSchema(sub);
      if (x) validateSchemaNode(x, path.child(name).index(i), out);
    });
  }
  const items = itemsSchema(s);
  if (items) validateSchemaNode(items, path.child('items'), out);
}

function validateListAndMapTypes(s: JSONSchemaProps, path: FieldPath, out: StatusCause[]): void {
  const at = (...names: string[]): string => path.child(...names).toString();
  const listType = s['x-kubernetes-list-type'];
  const mapType = s['x-kubernetes-map-type'];
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType)) {
    out.push(notSupportedCause(at('x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']));
  }
  if (mapType !== undefined && s.type !== 'object') {
    if (!s.type) out.push(requiredCause(at('type'), 'must be object if x-kubernetes-map-type is specified'));
    else out.push(invalidCause(at('type'), s.type, 'must be object if x-kubernetes-map-type is specified'));
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular') {
    out.push(notSupportedCause(at('x-kubernetes-map-type'), mapType, ['atomic', 'granular']));
  }
  const items = itemsSchema(s);
  if (listType !== undefined && s.type !== 'array') {
    if (!s.type) out.push(requiredCause(at('type'), 'must be array if x-kubernetes-list-type is specified'));
    else out.push(invalidCause(at('type'), s.type, 'must be array if x-kubernetes-list-type is specified'));
  } else if (listType === 'set' && items) {
    if (
      items.type === 'array' &&
      items['x-kubernetes-list-type'] !== undefined &&
      items['x-kubernetes-list-type'] !== 'atomic'
    ) {
      out.push(
        invalidCause(
          at('items', 'x-kubernetes-list-type'),
          items['x-kubernetes-list-type'],
          'must be atomic as item of a list with x-kubernetes-list-type=set',
        ),
      );
    }
    if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      out.push(
        invalidCause(
          at('items', 'x-kubernetes-map-type'),
          items['x-kubernetes-map-type'] ?? null,
          'must be atomic as item of a list with x-kubernetes-list-type=set',
        ),
      );
    }
  }
  if (listType === 'map') {
    if (keys.length === 0)
      out.push(
        requiredCause(at('x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'),
      );
    if (s.items === undefined)
      out.push(requiredCause(at('items'), 'must have a schema if x-kubernetes-list-type is map'));
    if (items && items.type !== 'object') {
      out.push(
        invalidCause(
          path.child('items').child('type').toString(),
          items.type ?? '',
          "must be object if parent array's x-kubernetes-list-type is map",
        ),
      );
    }
    if (items && items.type === 'object') {
      const seenKeys = new Set<string>();
      for (const k of keys) {
        const ks = asSchema(items.properties?.[k]);
        if (ks) {
          if (ks.type === 'array' || ks.type === 'object') {
            out.push(
              invalidCause(
                path.child('items', 'properties').key(k).child('type').toString(),
                items.type,
                "must be a scalar type if parent array's x-kubernetes-list-type is map",
              ),
            );
          }
        } else {
          out.push(
            invalidCause(
              at('x-kubernetes-list-map-keys'),
              keys,
              'entries must all be names of item properties',
            ),
          );
        }
        if (seenKeys.has(k))
          out.push(
            invalidCause(at('x-kubernetes-list-map-keys'), keys, 'must not contain duplicate entries'),
          );
        seenKeys.add(k);
      }
    }
  }
  if (keys.length > 0 && listType !== 'map') {
    out.push(
      requiredCause(at('x-kubernetes-list-type'), 'must be map if x-kubernetes-list-map-keys is non-empty'),
    );
  }
}

type Level = 'root' | 'item' | 'field';

/** Structural schema invariants (apiextensions-apiserver/pkg/apiserver/schema/validation.go). */
function validateStructural(
  s: JSONSchemaProps,
  level: Level,
  path: FieldPath,
  out: StatusCause[],
  nested: boolean,
): void {
  const at = (name: string): string => path.child(name).toString();
  if (nested) {
    validateNestedValueValidation(s, path, out);
    return;
  }
  const items = itemsSchema(s);
  if (s.type === 'array' && !items) out.push(requiredCause(at('items'), 'must be specified'));
  if (items) validateStructural(items, 'item', path.child('items'), out, false);
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    const sub = asSchema(p);
    if (sub) validateStructural(sub, 'field', path.child('properties').key(k), out, false);
  }
  if (s.additionalProperties !== undefined) {
    if (level === 'root')
      out.push(forbiddenCause(at('additionalProperties'), 'must not be used at the root'));
    const additional = additionalPropertiesSchema(s);
    if (additional) validateStructural(additional, 'field', path.child('additionalProperties'), out, false);
  }
  const intOrString = !!s['x-kubernetes-int-or-string'];
  const preserve = !!s['x-kubernetes-preserve-unknown-fields'];
  const embedded = !!s['x-kubernetes-embedded-resource'];
  if (intOrString && preserve)
    out.push(
      invalidCause(
        at('x-kubernetes-preserve-unknown-fields'),
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  if (intOrString && embedded)
    out.push(
      invalidCause(
        at('x-kubernetes-embedded-resource'),
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );

  // value validations (anyOf, allOf, oneOf, not); the int-or-string anyOf patterns are allowed
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = !!s.allOf?.length && isIntOrStringAnyOf(asSchema(s.allOf[0])?.anyOf);
  if (!skipAnyOf) (s.anyOf ?? []).forEach((x, i) => validateNested(x, path.child('anyOf').index(i), out));
  (s.allOf ?? []).forEach((x, i) => {
    const sub = asSchema(x);
    if (!sub) return;
    if (i === 0 && skipFirstAllOfAnyOf)
      validateNested({ ...sub, anyOf: undefined }, path.child('allOf').index(i), out, true);
    else validateNested(sub, path.child('allOf').index(i), out, true);
  });
  (s.oneOf ?? []).forEach((x, i) => validateNested(x, path.child('oneOf').index(i), out));
  if (s.not !== undefined) validateNested(s.not, path.child('not'), out);

  const checkMetadata = level === 'root' || embedded;
  if (embedded && s.type !== 'object') {
    if (!s.type)
      out.push(requiredCause(at('type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else
      out.push(invalidCause(at('type'), s.type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!s.type && !intOrString && !preserve) {
    const detail =
      level === 'root'
        ? 'must not be empty at the root'
        : level === 'item'
          ? 'must not be empty for specified array items'
          : 'must not be empty for specified object fields';
    out.push(requiredCause(at('type'), detail));
  }
  if (embedded && s.additionalProperties !== undefined) {
    out.push(
      forbiddenCause(at('additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'),
    );
  }
  if (level === 'root' && s.type && s.type !== 'object')
    out.push(invalidCause(at('type'), s.type, 'must be object at the root'));
  const props = s.properties ?? {};
  if (checkMetadata) {
    for (const k of ['kind', 'apiVersion']) {
      const p = asSchema(props[k]);
      if (p && p.type !== 'string') {
        out.push(
          invalidCause(
            path.child('properties').key(k).child('type').toString(),
            p.type ?? '',
            'must be string',
          ),
        );
      }
    }
  }
  const metadata = asSchema(props.metadata);
  if (metadata) {
    const metaPath = path.child('properties').key('metadata');
    if (checkMetadata && metadata.type !== 'object')
      out.push(invalidCause(metaPath.child('type').toString(), metadata.type ?? '', 'must be object'));
    if (level === 'root') {
      const rest = Object.keys(metadata).filter((k) => !['type', 'properties', 'default'].includes(k));
      const propNames = Object.keys(metadata.properties ?? {});
      const onlyNames = propNames.every((n) => n === 'name' || n === 'generateName');
      if (rest.length > 0 || !onlyNames) {
        out.push(
          forbiddenCause(
            metaPath.toString(),
            'must not specify anything other than name and generateName, but metadata is implicitly specified',
          ),
        );
      }
    }
  }
  if (embedded && !preserve && Object.keys(props).length === 0) {
    out.push(
      requiredCause(
        at('properties'),
        'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      ),
    );
  }
}

function isIntOrStringAnyOf(anyOf: JSONSchemaProps[] | undefined): boolean {
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return false;
  const [a, b] = anyOf.map((x) => asSchema(x) ?? {});
  return (
    Object.keys(a).length === 1 && a.type === 'integer' && Object.keys(b).length === 1 && b.type === 'string'
  );
}

function validateNested(raw: unknown, path: FieldPath, out: StatusCause[], allowXValidations = false): void {
  const s = asSchema(raw);
  if (s) validateNestedValueValidation(s, path, out, allowXValidations);
}

/** What a schema under anyOf/allOf/oneOf/not may not contain (validateNestedValueValidation). */
function validateNestedValueValidation(
  s: JSONSchemaProps,
  path: FieldPath,
  out: StatusCause[],
  allowXValidations = false,
): void {
  const at = (name: string): string => path.child(name).toString();
  (s.anyOf ?? []).forEach((x, i) => validateNested(x, path.child('anyOf').index(i), out));
  (s.allOf ?? []).forEach((x, i) => validateNested(x, path.child('allOf').index(i), out, allowXValidations));
  (s.oneOf ?? []).forEach((x, i) => validateNested(x, path.child('oneOf').index(i), out));
  if (s.not !== undefined) validateNested(s.not, path.child('not'), out);
  const items = itemsSchema(s);
  if (items) validateNested(items, path.child('items'), out);
  for (const [k, p] of Object.entries(s.properties ?? {}))
    validateNested(p, path.child('properties').key(k), out);
  if (s.type) out.push(forbiddenCause(at('type'), 'must be empty to be structural'));
  if (s.additionalProperties !== undefined)
    out.push(forbiddenCause(at('additionalProperties'), 'must be undefined to be structural'));
  if (s.default !== undefined) out.push(forbiddenCause(at('default'), 'must be undefined to be structural'));
  if (s.title) out.push(forbiddenCause(at('title'), 'must be empty to be structural'));
  if (s.description) out.push(forbiddenCause(at('description'), 'must be empty to be structural'));
  if (s.nullable) out.push(forbiddenCause(at('nullable'), 'must be false to be structural'));
  if (s.externalDocs) out.push(forbiddenCause(at('externalDocs'), 'must be undefined to be structural'));
  if (s['x-kubernetes-preserve-unknown-fields'])
    out.push(forbiddenCause(at('x-kubernetes-preserve-unknown-fields'), 'must be false to be structural'));
  if (s['x-kubernetes-embedded-resource'])
    out.push(forbiddenCause(at('x-kubernetes-embedded-resource'), 'must be false to be structural'));
  if (s['x-kubernetes-int-or-string'])
    out.push(forbiddenCause(at('x-kubernetes-int-or-string'), 'must be false to be structural'));
  if (s['x-kubernetes-list-map-keys']?.length)
    out.push(forbiddenCause(at('x-kubernetes-list-map-keys'), 'must be empty to be structural'));
  if (s['x-kubernetes-list-type'] !== undefined)
    out.push(forbiddenCause(at('x-kubernetes-list-type'), 'must be undefined to be structural'));
  if (s['x-kubernetes-map-type'] !== undefined)
    out.push(forbiddenCause(at('x-kubernetes-map-type'), 'must be undefined to be structural'));
  if (s['x-kubernetes-validations']?.length && !allowXValidations) {
    out.push(forbiddenCause(at('x-kubernetes-validations'), 'must be empty to be structural'));
  }
  if (s.properties && 'metadata' in s.properties) {
    out.push(
      forbiddenCause(
        path.child('properties').key('metadata').toString(),
        'must not be specified in a nested context',
      ),
    );
  }
}

/** Defaults must validate against their schema (apiextensions-apiserver/pkg/apiserver/schema/defaulting/validation.go). */
function validateDefaults(s: JSONSchemaProps, path: FieldPath, out: StatusCause[], isRoot = false): void {
  if (s.default !== undefined) {
    const defaultPath = path.child('default').toString();
    if (isRoot) out.push(forbiddenCause(defaultPath, 'must not be set at the root'));
    else {
      for (const c of validateOpenAPIValue(s.default, s, 'default')) {
        out.push({
          ...c,
          field:
            c.field && c.field !== 'default'
              ? `${defaultPath}${c.field.slice('default'.length)}`
              : defaultPath,
        });
      }
    }
  }
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    const sub = asSchema(p);
    if (!sub) continue;
    if (isRoot && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) {
      // defaults are forbidden in the resource's type and object meta (withForbiddenDefaults upstream)
      forbidDefaults(sub, path.child('properties').key(k), `in top-level ${k}`, out);
      continue;
    }
    validateDefaults(sub, path.child('properties').key(k), out);
  }
  const additional = additionalPropertiesSchema(s);
  if (additional) validateDefaults(additional, path.child('additionalProperties'), out);
  const items = itemsSchema(s);
  if (items) validateDefaults(items, path.child('items'), out);
}

function forbidDefaults(s: JSONSchemaProps, path: FieldPath, reason: string, out: StatusCause[]): void {
  if (s.default !== undefined)
    out.push(forbiddenCause(path.child('default').toString(), `must not be set ${reason}`));
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    const sub = asSchema(p);
    if (sub) forbidDefaults(sub, path.child('properties').key(k), reason, out);
  }
  const additional = additionalPropertiesSchema(s);
  if (additional) forbidDefaults(additional, path.child('additionalProperties'), reason, out);
  const items = itemsSchema(s);
  if (items) forbidDefaults(items, path.child('items'), reason, out);
}

/**
 * Compiles every x-kubernetes-validations rule. `uncorrelatable` is the path of the nearest
 * ancestor whose elements cannot be matched with their old values (items of a list that is not a
 * map-list), under which `oldSelf` is rejected.
 */
function validateRules(
  s: JSONSchemaProps,
  path: FieldPath,
  out: StatusCause[],
  uncorrelatable: string | undefined,
): void {
  const rulesPath = path.child('x-kubernetes-validations');
  (s['x-kubernetes-validations'] ?? []).forEach((rule, i) => {
    const rp = rulesPath.index(i);
    if (!rule.rule || !rule.rule.trim()) {
      out.push(requiredCause(rp.child('rule').toString(), 'rule is not specified'));
      return;
    }
    const compiled = compileExpression(rule.rule, 'bool');
    if (!compiled.ok) out.push(rawInvalid(rp.child('rule').toString(), goRule(rule), compiled.error));
    else if (compiled.expression.usesOldSelf && uncorrelatable !== undefined) {
      out.push(
        invalidCause(
          rp.child('rule').toString(),
          rule.rule,
          `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatable}`,
        ),
      );
    }
    if (rule.messageExpression !== undefined) {
      if (!rule.messageExpression.trim()) {
        out.push(
          requiredCause(
            rp.child('messageExpression').toString(),
            'messageExpression must be non-empty if specified',
          ),
        );
      } else {
        const m = compileExpression(rule.messageExpression, 'string');
        if (!m.ok)
          out.push(
            invalidCause(
              rp.child('messageExpression').toString(),
              rule.messageExpression,
              `messageExpression ${m.error}`,
            ),
          );
      }
    }
    if (rule.message !== undefined && rule.message.includes('\n')) {
      out.push(
        invalidCause(rp.child('message').toString(), rule.message, 'message must not contain line breaks'),
      );
    }
    if (rule.reason !== undefined && !ruleReasons.includes(rule.reason)) {
      out.push(notSupportedCause(rp.child('reason').toString(), rule.reason, ruleReasons));
    }
    if (rule.fieldPath !== undefined && !ruleFieldPathExists(s, rule.fieldPath)) {
      out.push(
        invalidCause(
          rp.child('fieldPath').toString(),
          rule.fieldPath,
          'fieldPath must be a valid path: does not refer to a valid field',
        ),
      );
    }
  });
  const items = itemsSchema(s);
  if (items) {
    const correlatable = s['x-kubernetes-list-type'] === 'map';
    validateRules(
      items,
      path.child('items'),
      out,
      uncorrelatable ?? (correlatable ? undefined : path.toString()),
    );
  }
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    const sub = asSchema(p);
    if (sub) validateRules(sub, path.child('properties').key(k), out, uncorrelatable);
  }
  const additional = additionalPropertiesSchema(s);
  if (additional) validateRules(additional, path.child('additionalProperties'), out, uncorrelatable);
  (s.allOf ?? []).forEach((x, i) => {
    const sub = asSchema(x);
    if (sub?.['x-kubernetes-validations'])
      validateRules(
        { 'x-kubernetes-validations': sub['x-kubernetes-validations'] },
        path.child('allOf').index(i),
        out,
        uncorrelatable,
      );
  });
}

function ruleFieldPathExists(s: JSONSchemaProps, fieldPath: string): boolean {
  const re = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]/g;
  let consumed = 0;
  let node: JSONSchemaProps | undefined = s;
  let m: RegExpExecArray | null;
  while ((m = re.exec(fieldPath)) !== null) {
    if (m.index !== consumed) return false;
    consumed = m.index + m[0].length;
    const name = m[1] ?? m[2].replace(/\\(.)/g, '$1');
    if (!node) return false;
    node = asSchema(node.properties?.[name]) ?? additionalPropertiesSchema(node);
    if (!node) return false;
  }
  return consumed === fieldPath.length && consumed > 0;
}
