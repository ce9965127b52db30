/**
 * OpenAPI v3 value validation of a custom resource, as k8s.io/kube-openapi/pkg/validation/validate
 * does it for apiextensions-apiserver, with its errors turned into field errors the way
 * apiextensions-apiserver/pkg/apiserver/validation (kubeOpenAPIResultToFieldErrors) does.
 *
 * Error names are kube-openapi paths: `spec.replicas`, `spec.items[0]`; the message repeats the name
 * with " in body", e.g. `spec.size in body should be less than or equal to 9`.
 */
import { isJsonObject, jsonEqual, type JsonValue, type StatusCause } from '../api/index.js';
import {
  additionalPropertiesSchema,
  asSchema,
  formatValue,
  invalidCause,
  itemsSchema,
  notSupportedCause,
  requiredCause,
  tooLongCause,
  tooManyCause,
  typeInvalidCause,
  type JSONSchemaProps,
} from './schema-types.js';
import { checkFormat } from './formats.js';

/** The JSON kind of a value with kube-openapi's names. */
export function jsonKind(
  value: unknown,
): 'null' | 'boolean' | 'string' | 'integer' | 'number' | 'array' | 'object' {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'bigint') return 'integer';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

/** The error field for a kube-openapi name: the leading dot of `.key` paths is dropped. */
function fieldOf(name: string): string {
  return name === '.' ? '' : name.replace(/^\./, '');
}

function childName(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Go's %v of a float64 as kube-openapi prints limits. */
function goFloat(n: number): string {
  return String(n);
}

/** Schema node types as kube-openapi sees them (int-or-string is "integer,string"). */
function schemaTypes(s: JSONSchemaProps): string[] {
  if (s['x-kubernetes-int-or-string']) return ['integer', 'string'];
  return s.type ? [s.type] : [];
}

/** Result of validating one node, with a match count to pick the best failing alternative. */
interface Result {
  causes: StatusCause[];
  matches: number;
}

class Validator {
  validate(data: unknown, s: JSONSchemaProps, path: string): Result {
    const res: Result = { causes: [], matches: 0 };
    const types = schemaTypes(s);
    if (data === null || data === undefined) {
      // as SchemaValidator.Validate: only the type and the enum validators run for null
      if (types.length > 0 && !s.nullable) {
        const name = fieldOf(path);
        res.causes.push(
          typeInvalidCause(name, 'null', `${name} in body must be of type ${types.join(',')}: "null"`),
        );
      }
      this.enum(data, s, path, res);
      return res;
    }
    const kind = jsonKind(data);
    // type validator
    if (types.length > 0) {
      const ok = types.includes(kind) || (kind === 'integer' && types.includes('number'));
      if (!ok) {
        const name = fieldOf(path);
        res.causes.push(
          typeInvalidCause(
            name,
            kind,
            `${name} in body must be of type ${types.join(',')}: ${JSON.stringify(kind)}`,
          ),
        );
        // kube-openapi keeps going, but most validators do not apply to a mismatched kind
      } else {
        res.matches++;
      }
    }
    this.schemaProps(data, s, path, res);
    if (kind === 'string') this.string(data as string, s, path, res);
    if (kind === 'integer' || kind === 'number') this.number(data as number, s, path, res);
    if (kind === 'array') this.slice(data as unknown[], s, path, res);
    this.enum(data, s, path, res);
    if (kind === 'object') this.object(data as Record<string, unknown>, s, path, res);
    return res;
  }

  private schemaProps(data: unknown, s: JSONSchemaProps, path: string, res: Result): void {
    const quoted = JSON.stringify(fieldOf(path));
    const generic = (message: string): StatusCause => invalidCause('<nil>', '', message);
    if (Array.isArray(s.allOf) && s.allOf.length > 0) {
      let failed = 0;
      for (const sub of s.allOf) {
        const r = this.validate(data, asSchema(sub) ?? {}, path);
        if (r.causes.length > 0) {
          failed++;
          res.causes.push(...r.causes);
        } else res.matches += r.matches;
      }
      if (failed > 0) res.causes.push(generic(`${quoted} must validate all the schemas (allOf)`));
    }
    if (Array.isArray(s.anyOf) && s.anyOf.length > 0) {
      let best: Result | undefined;
      let succeeded = false;
      for (const sub of s.anyOf) {
        const r = this.validate(data, asSchema(sub) ?? {}, path);
        if (r.causes.length === 0) {
          succeeded = true;
          best = undefined;
          res.matches += r.matches;
          break;
        }
        if (!best || r.matches > best.matches) best = r;
      }
      if (!succeeded) res.causes.push(generic(`${quoted} must validate at least one schema (anyOf)`));
      if (best) res.causes.push(...best.causes);
    }
    if (Array.isArray(s.oneOf) && s.oneOf.length > 0) {
      let valid = 0;
      let best: Result | undefined;
      for (const sub of s.oneOf) {
        const r = this.validate(data, asSchema(sub) ?? {}, path);
        if (r.causes.length === 0) valid++;
        else if (!best || r.matches > best.matches) best = r;
      }
      if (valid === 0) {
        res.causes.push(generic(`${quoted} must validate one and only one schema (oneOf). Found none valid`));
        if (best) res.causes.push(...best.causes);
      } else if (valid > 1) {
        res.causes.push(
          generic(
            `${quoted} must validate one and only one schema (oneOf). Found ${valid} valid alternatives`,
          ),
        );
      }
    }
    const not = asSchema(s.not);
    if (not) {
      const r = this.validate(data, not, path);
      if (r.causes.length === 0) res.causes.push(generic(`${quoted} must not validate the schema (not)`));
    }
  }

  private string(data: string, s: JSONSchemaProps, path: string, res: Result): void {
    const name = fieldOf(path);
    const length = [...data].length;
    if (typeof s.maxLength === 'number' && length > s.maxLength)
      res.causes.push(tooLongCause(name, s.maxLength));
    if (typeof s.minLength === 'number' && length < s.minLength) {
      res.causes.push(
        invalidCause(name, data, `${name} in body should be at least ${s.minLength} chars long`),
      );
    }
    if (typeof s.pattern === 'string') {
      const re = compilePattern(s.pattern);
      if (re && !re.test(data)) {
        res.causes.push(invalidCause(name, data, `${name} in body should match '${s.pattern}'`));
      }
    }
    if (typeof s.format === 'string' && s.format && !checkFormat(s.format, data)) {
      res.causes.push(
        typeInvalidCause(name, data, `${name} in body must be of type ${s.format}: ${JSON.stringify(data)}`),
      );
    }
  }

  private number(data: number, s: JSONSchemaProps, path: string, res: Result): void {
    const name = fieldOf(path);
    if (typeof s.multipleOf === 'number' && s.multipleOf > 0) {
      const q = data / s.multipleOf;
      if (Math.abs(q - Math.round(q)) > 1e-9) {
        res.causes.push(
          invalidCause(name, data, `${name} in body should be a multiple of ${goFloat(s.multipleOf)}`),
        );
      }
    }
    if (typeof s.maximum === 'number') {
      const bad = s.exclusiveMaximum ? data >= s.maximum : data > s.maximum;
      if (bad) {
        const what = s.exclusiveMaximum ? 'less than' : 'less than or equal to';
        res.causes.push(invalidCause(name, data, `${name} in body should be ${what} ${goFloat(s.maximum)}`));
      }
    }
    if (typeof s.minimum === 'number') {
      const bad = s.exclusiveMinimum ? data <= s.minimum : data < s.minimum;
      if (bad) {
        const what = s.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
        res.causes.push(invalidCause(name, data, `${name} in body should be ${what} ${goFloat(s.minimum)}`));
      }
    }
  }

  private slice(data: unknown[], s: JSONSchemaProps, path: string, res: Result): void {
    const name = fieldOf(path);
    if (typeof s.minItems === 'number' && data.length < s.minItems) {
      res.causes.push(
        invalidCause(name, data.length, `${name} in body should have at least ${s.minItems} items`),
      );
    }
    if (typeof s.maxItems === 'number' && data.length > s.maxItems) {
      res.causes.push(tooManyCause(name, data.length, s.maxItems));
    }
    if (s.uniqueItems) {
      const dup = data.some((v, i) => data.findIndex((w) => jsonEqual(v, w)) !== i);
      if (dup) res.causes.push(invalidCause(name, '', `${name} in body shouldn't contain duplicates`));
    }
    const items = itemsSchema(s);
    if (items) {
      data.forEach((item, i) => {
        const r = this.validate(item, items, `${path}[${i}]`);
        res.causes.push(...r.causes);
        res.matches += r.matches;
      });
    }
  }

  private enum(data: unknown, s: JSONSchemaProps, path: string, res: Result): void {
    if (!Array.isArray(s.enum) || s.enum.length === 0) return;
    if (s.enum.some((e) => jsonEqual(e, data ?? null))) return;
    // a nullable field may be null even when null is not among the values, as kube-openapi allows
    if ((data === null || data === undefined) && s.nullable) return;
    const allowed = s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
    res.causes.push(notSupportedCause(fieldOf(path), data ?? null, allowed));
  }

  private object(data: Record<string, unknown>, s: JSONSchemaProps, path: string, res: Result): void {
    const name = fieldOf(path);
    const count = Object.keys(data).length;
    if (typeof s.minProperties === 'number' && count < s.minProperties) {
      res.causes.push(
        invalidCause(name, count, `${name} in body should have at least ${s.minProperties} properties`),
      );
      return;
    }
    if (typeof s.maxProperties === 'number' && count > s.maxProperties) {
      res.causes.push(tooManyCause(name, count, s.maxProperties));
      return;
    }
    const props = isJsonObject(s.properties) ? (s.properties as Record<string, JSONSchemaProps>) : {};
    if (s.additionalProperties === false) {
      for (const k of Object.keys(data)) {
        if (!(k in props))
          res.causes.push(invalidCause(name, k, `${name}.${k} in body is a forbidden property`));
      }
    } else {
      const additional = additionalPropertiesSchema(s);
      if (additional) {
        for (const [k, v] of Object.entries(data)) {
          if (k in props) continue;
          const r = this.validate(v, additional, `${path}.${k}`);
          res.causes.push(...r.causes);
          res.matches += r.matches;
        }
      }
    }
    for (const [k, sub] of Object.entries(props)) {
      if (!(k in data)) continue;
      const r = this.validate(data[k], asSchema(sub) ?? {}, childName(path, k));
      res.causes.push(...r.causes);
      res.matches += r.matches;
    }
    if (Array.isArray(s.required)) {
      for (const k of s.required) {
        if (!(k in data)) res.causes.push(requiredCause(fieldOf(`${path}.${k}`)));
      }
    }
  }
}

const patternCache = new Map<string, RegExp | null>();

/**
 * Compiles an OpenAPI pattern. Patterns are ECMA 262 in OpenAPI and RE2 in Kubernetes; the common
 * subset behaves the same, and an unparsable pattern is rejected by CRD validation.
 */
export function compilePattern(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      try {
        re = new RegExp(pattern);
      } catch {
        re = null;
      }
    }
    patternCache.set(pattern, re);
  }
  return re;
}

/** Validates a value against the schema; `path` is the kube-openapi name of the value ('' at the root). */
export function validateOpenAPIValue(data: unknown, schema: JSONSchemaProps, path = ''): StatusCause[] {
  return new Validator().validate(data, schema, path).causes;
}

/**
 * x-kubernetes-list-type uniqueness, as apiextensions-apiserver/pkg/apiserver/schema/listtype does:
 * `set` items must be unique, `map` items unique by their keys.
 */
export function validateListTypes(
  data: unknown,
  s: JSONSchemaProps | undefined,
  path: string,
  out: StatusCause[],
): void {
  if (!s || data === null || data === undefined) return;
  if (Array.isArray(data)) {
    const listType = s['x-kubernetes-list-type'];
    if (listType === 'set') {
      data.forEach((v, i) => {
        if (data.findIndex((w) => jsonEqual(v, w)) !== i) out.push(duplicateAt(`${path}[${i}]`, v));
      });
    } else if (listType === 'map') {
      const keys = s['x-kubernetes-list-map-keys'] ?? [];
      const itemSchema = itemsSchema(s);
      const seen: Record<string, JsonValue>[] = [];
      data.forEach((item, i) => {
        if (!isJsonObject(item)) return;
        const keyValue: Record<string, JsonValue> = {};
        for (const k of keys) {
          if (k in item) keyValue[k] = item[k];
          else {
            const def = itemSchema?.properties?.[k]?.default;
            if (def !== undefined) keyValue[k] = def;
          }
        }
        if (seen.some((other) => jsonEqual(other, keyValue)))
          out.push(duplicateAt(`${path}[${i}]`, keyValue));
        else seen.push(keyValue);
      });
    }
    const items = itemsSchema(s);
    data.forEach((item, i) => validateListTypes(item, items, `${path}[${i}]`, out));
    return;
  }
  if (isJsonObject(data)) {
    const props = s.properties ?? {};
    const additional = additionalPropertiesSchema(s);
    for (const [k, v] of Object.entries(data)) {
      const sub = props[k] ?? additional;
      validateListTypes(v, sub, path ? `${path}.${k}` : k, out);
    }
  }
}

function duplicateAt(field: string, value: unknown): StatusCause {
  return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatValue(value)}` };
}
