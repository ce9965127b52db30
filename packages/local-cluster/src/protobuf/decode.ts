/**
 * Decodes `application/vnd.kubernetes.protobuf` bodies into the JSON object the same request would
 * have carried as `application/json`.
 *
 * The envelope is k8s.io/apimachinery/pkg/runtime/serializer/protobuf: the 4-byte prefix `k8s\0`,
 * then a runtime.Unknown { typeMeta { apiVersion = 1, kind = 2 } = 1, raw = 2, contentEncoding = 3,
 * contentType = 4 } whose `raw` is the object encoded with its type's message from
 * k8s.io/api/<group>/<version>/generated.proto. The JSON mirrors what Go does after decoding into the
 * typed struct and encoding it with encoding/json: value (non-pointer) scalars at their zero value are
 * left out when their JSON tag has `omitempty` (the data records which do not), while pointer fields
 * are emitted whenever present, so `replicas: 0` survives. Absent lists and maps stay absent (Go
 * would write `null` for the few without `omitempty`; absent reads the same to the server).
 */
import { errors, type JsonObject, type JsonValue } from '../api/index.js';
import { formatGoDuration, formatRfc3339, formatRfc3339Micro } from './go-formats.js';
import { messageDef, messageNameFor, type FieldDef, type MessageDef } from './messages.js';
import { MalformedProtobufError, WireReader, WireType } from './wire-reader.js';

/** The media type of Kubernetes protobuf bodies. */
export const KUBERNETES_PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** The prefix of every Kubernetes protobuf body (protobuf.go's protoEncodingPrefix). */
const MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

const META_V1 = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const TIME = `${META_V1}.Time`;
const MICRO_TIME = `${META_V1}.MicroTime`;
const DURATION = `${META_V1}.Duration`;
const FIELDS_V1 = `${META_V1}.FieldsV1`;
const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension';
/** Go `[]string` types that protobuf wraps in a message `{ repeated string items = 1 }`. */
const STRING_SLICES =
  /^k8s\.io\.(api\.[a-z]+\.v[0-9a-z]+\.ExtraValue|apimachinery\.pkg\.apis\.meta\.v1\.Verbs)$/;
/** The Unix seconds of Go's zero time.Time (0001-01-01T00:00:00Z), which metav1.Time encodes as null. */
const GO_ZERO_TIME_SECONDS = -62135596800n;
/** Nesting deeper than any Kubernetes type needs is refused rather than followed. */
const MAX_DEPTH = 100;

/** A value as read from the wire: a varint, or the bytes of a fixed or length-delimited value. */
interface WireValue {
  wireType: number;
  varint?: bigint;
  bytes?: Uint8Array;
}

/** What the request says it is, for bodies whose envelope leaves the type out. */
export interface ExpectedType {
  apiVersion?: string;
  kind?: string;
}

/** Whether a Content-Type header names the Kubernetes protobuf encoding (parameters ignored). */
export function isProtobufContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  return contentType.split(';', 1)[0].trim().toLowerCase() === KUBERNETES_PROTOBUF;
}

/**
 * Decodes a Kubernetes protobuf request body into its JSON object, with `apiVersion` and `kind` from
 * the envelope (or from `expected` when the envelope has none).
 *
 * @throws ApiError 400 BadRequest when the body is not a Kubernetes protobuf encoding, is malformed,
 *   or names a type with no known message (custom resources have none).
 */
export function decodeKubernetesProtobuf(body: Uint8Array, expected?: ExpectedType): JsonObject {
  try {
    return decodeEnvelope(body, expected, 0);
  } catch (err) {
    if (err instanceof MalformedProtobufError) {
      throw errors.badRequest(`unable to decode ${KUBERNETES_PROTOBUF} body: ${err.message}`);
    }
    throw err;
  }
}

function decodeEnvelope(body: Uint8Array, expected: ExpectedType | undefined, depth: number): JsonObject {
  if (body.length < MAGIC.length || MAGIC.some((byte, i) => body[i] !== byte)) {
    throw new MalformedProtobufError(
      'the body does not start with the Kubernetes protobuf prefix "k8s\\x00"',
    );
  }
  const unknown = readFields(body.subarray(MAGIC.length));
  const typeMeta = readFields(lastBytes(unknown, 1) ?? new Uint8Array());
  const apiVersion = text(lastBytes(typeMeta, 1)) || expected?.apiVersion || '';
  const kind = text(lastBytes(typeMeta, 2)) || expected?.kind || '';
  const contentEncoding = text(lastBytes(unknown, 3));
  if (contentEncoding) {
    throw new MalformedProtobufError(`unsupported content encoding "${contentEncoding}"`);
  }
  const contentType = text(lastBytes(unknown, 4));
  if (contentType && !isProtobufContentType(contentType)) {
    throw new MalformedProtobufError(`unsupported embedded content type "${contentType}"`);
  }
  if (!kind) throw errors.badRequest(`Object 'Kind' is missing in the ${KUBERNETES_PROTOBUF} body`);
  const name = messageNameFor(apiVersion, kind);
  const def = name ? messageDef(name) : undefined;
  if (!def) {
    // The wording of runtime.Scheme's notRegisteredErr.
    throw errors.badRequest(
      `no kind "${kind}" is registered for version "${apiVersion}" in the protobuf encoding`,
    );
  }
  const object = decodeMessage(lastBytes(unknown, 2) ?? new Uint8Array(), def, depth + 1);
  return { apiVersion, kind, ...object };
}

/** All fields of a message, by number, in wire order. */
function readFields(bytes: Uint8Array): Map<number, WireValue[]> {
  const reader = new WireReader(bytes);
  const fields = new Map<number, WireValue[]>();
  while (!reader.done) {
    const { field, wireType } = reader.tag();
    let value: WireValue;
    switch (wireType) {
      case WireType.varint:
        value = { wireType, varint: reader.varint() };
        break;
      case WireType.fixed64:
        value = { wireType, bytes: reader.fixed64() };
        break;
      case WireType.lengthDelimited:
        value = { wireType, bytes: reader.lengthDelimited() };
        break;
      case WireType.fixed32:
        value = { wireType, bytes: reader.fixed32() };
        break;
      default:
        throw new MalformedProtobufError(`unsupported wire type ${wireType} for field ${field}`);
    }
    const list = fields.get(field);
    if (list) list.push(value);
    else fields.set(field, [value]);
  }
  return fields;
}

function lastBytes(fields: Map<number, WireValue[]>, number: number): Uint8Array | undefined {
  const values = fields.get(number);
  const last = values?.[values.length - 1];
  if (last && last.wireType !== WireType.lengthDelimited) {
    throw new MalformedProtobufError(
      `field ${number} has wire type ${last.wireType}, expected length-delimited`,
    );
  }
  return last?.bytes;
}

const utf8 = new TextDecoder('utf-8');

function text(bytes: Uint8Array | undefined): string {
  return bytes ? utf8.decode(bytes) : '';
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function decodeMessage(bytes: Uint8Array, def: MessageDef, depth: number): JsonObject {
  if (depth > MAX_DEPTH) throw new MalformedProtobufError(`messages nested deeper than ${MAX_DEPTH} levels`);
  const wire = readFields(bytes);
  const out: JsonObject = {};
  for (const field of def.fields) {
    const values = wire.get(field.number);
    if (!values) {
      if (field.showZero) out[field.jsonName] = zeroOf(field.type);
      continue;
    }
    if (field.map) {
      out[field.jsonName] = decodeMap(values, field, depth);
    } else if (field.repeated) {
      out[field.jsonName] = decodeRepeated(values, field, depth);
    } else if (isScalar(field.type)) {
      const value = scalar(field.type, values[values.length - 1], field);
      if (!(field.value && !field.showZero && isZero(value))) out[field.jsonName] = value;
    } else {
      // Several occurrences of a message field merge, which for the wire format means concatenation.
      const value = decodeValue(field.type, concat(values.map((v) => lengthDelimited(v, field))), depth);
      if (field.inline && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        Object.assign(out, value);
      } else {
        out[field.jsonName] = value;
      }
    }
  }
  return out;
}

function decodeRepeated(values: WireValue[], field: FieldDef, depth: number): JsonValue[] {
  const out: JsonValue[] = [];
  for (const value of values) {
    if (!isScalar(field.type)) {
      out.push(decodeValue(field.type, lengthDelimited(value, field), depth));
    } else if (
      value.wireType === WireType.lengthDelimited &&
      field.type !== 'string' &&
      field.type !== 'bytes'
    ) {
      // A packed run of numbers (proto3 style); gogo writes them unpacked, but both are valid.
      const reader = new WireReader(value.bytes ?? new Uint8Array());
      const wireType = PACKED_WIRE_TYPE[field.type];
      while (!reader.done) {
        const element: WireValue =
          wireType === WireType.varint
            ? { wireType, varint: reader.varint() }
            : { wireType, bytes: wireType === WireType.fixed32 ? reader.fixed32() : reader.fixed64() };
        out.push(scalar(field.type, element, field));
      }
    } else {
      out.push(scalar(field.type, value, field));
    }
  }
  return out;
}

function decodeMap(values: WireValue[], field: FieldDef, depth: number): JsonObject {
  const { key: keyType, value: valueType } = field.map ?? { key: 'string', value: 'string' };
  const out: JsonObject = {};
  for (const value of values) {
    const entry = readFields(lengthDelimited(value, field));
    const keys = entry.get(1);
    const key = keys ? scalar(keyType, keys[keys.length - 1], field) : zeroOf(keyType);
    const entryValues = entry.get(2);
    let decoded: JsonValue;
    if (isScalar(valueType)) {
      decoded = entryValues
        ? scalar(valueType, entryValues[entryValues.length - 1], field)
        : zeroOf(valueType);
    } else {
      decoded = decodeValue(
        valueType,
        concat((entryValues ?? []).map((v) => lengthDelimited(v, field))),
        depth,
      );
    }
    out[String(key)] = decoded;
  }
  return out;
}

function lengthDelimited(value: WireValue, field: FieldDef): Uint8Array {
  if (value.wireType !== WireType.lengthDelimited || !value.bytes) {
    throw new MalformedProtobufError(
      `field "${field.jsonName}" has wire type ${value.wireType}, expected length-delimited`,
    );
  }
  return value.bytes;
}

/** A message value in its JSON form: the apimachinery special types first, then any message. */
function decodeValue(typeName: string, bytes: Uint8Array, depth: number): JsonValue {
  switch (typeName) {
    case TIME:
    case MICRO_TIME: {
      // metav1.Time encodes the zero time as an empty message and marshals it to JSON null.
      const fields = readFields(bytes);
      const seconds = BigInt.asIntN(64, lastVarint(fields, 1) ?? 0n);
      const nanos = Number(BigInt.asIntN(32, lastVarint(fields, 2) ?? 0n));
      if (fields.size === 0 || (seconds === GO_ZERO_TIME_SECONDS && nanos === 0)) return null;
      // metav1.Time.Unmarshal drops the nanoseconds; MicroTime keeps them.
      return typeName === TIME ? formatRfc3339(seconds) : formatRfc3339Micro(seconds, nanos);
    }
    case DURATION:
      return formatGoDuration(BigInt.asIntN(64, lastVarint(readFields(bytes), 1) ?? 0n));
    case QUANTITY:
      return text(lastBytes(readFields(bytes), 1)) || '0';
    case INT_OR_STRING: {
      const fields = readFields(bytes);
      if ((lastVarint(fields, 1) ?? 0n) === 1n) return text(lastBytes(fields, 3));
      return Number(BigInt.asIntN(32, lastVarint(fields, 2) ?? 0n));
    }
    case RAW_EXTENSION:
    case FIELDS_V1:
      return embeddedJson(lastBytes(readFields(bytes), 1), depth);
  }
  const def = messageDef(typeName);
  if (!def) throw new MalformedProtobufError(`no message definition for ${typeName}`);
  if (STRING_SLICES.test(typeName)) {
    const items = readFields(bytes).get(1);
    return items ? items.map((v) => text(lengthDelimited(v, def.fields[0]))) : null;
  }
  return decodeMessage(bytes, def, depth + 1);
}

/**
 * The raw bytes of a RawExtension or FieldsV1, which carry JSON (or, for a RawExtension written by
 * a protobuf client, a nested `k8s\0` envelope). Empty is JSON null, as their MarshalJSON writes.
 */
function embeddedJson(raw: Uint8Array | undefined, depth: number): JsonValue {
  if (!raw || raw.length === 0) return null;
  if (raw.length >= MAGIC.length && MAGIC.every((byte, i) => raw[i] === byte))
    return decodeEnvelope(raw, undefined, depth + 1);
  try {
    return JSON.parse(utf8.decode(raw)) as JsonValue;
  } catch {
    throw new MalformedProtobufError('an embedded object (RawExtension or FieldsV1) is not JSON');
  }
}

function lastVarint(fields: Map<number, WireValue[]>, number: number): bigint | undefined {
  const values = fields.get(number);
  const last = values?.[values.length - 1];
  if (last && last.wireType !== WireType.varint) {
    throw new MalformedProtobufError(`field ${number} has wire type ${last.wireType}, expected varint`);
  }
  return last?.varint;
}

const VARINT_TYPES = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool', 'enum']);
const PACKED_WIRE_TYPE: Record<string, number> = {
  int32: WireType.varint,
  int64: WireType.varint,
  uint32: WireType.varint,
  uint64: WireType.varint,
  sint32: WireType.varint,
  sint64: WireType.varint,
  bool: WireType.varint,
  fixed32: WireType.fixed32,
  sfixed32: WireType.fixed32,
  float: WireType.fixed32,
  fixed64: WireType.fixed64,
  sfixed64: WireType.fixed64,
  double: WireType.fixed64,
};

function isScalar(type: string): boolean {
  return type === 'string' || type === 'bytes' || type in PACKED_WIRE_TYPE;
}

function zeroOf(type: string): JsonValue {
  if (type === 'string' || type === 'bytes') return '';
  if (type === 'bool') return false;
  return 0;
}

function isZero(value: JsonValue): boolean {
  return value === '' || value === 0 || value === false;
}

/** A scalar in its Go encoding/json form: numbers, booleans, strings, and base64 for bytes. */
function scalar(type: string, value: WireValue, field: FieldDef): JsonValue {
  const expectedWireType =
    type === 'string' || type === 'bytes' ? WireType.lengthDelimited : PACKED_WIRE_TYPE[type];
  if (value.wireType !== expectedWireType) {
    throw new MalformedProtobufError(
      `field "${field.jsonName}" has wire type ${value.wireType}, expected ${expectedWireType}`,
    );
  }
  if (VARINT_TYPES.has(type)) {
    const v = value.varint ?? 0n;
    switch (type) {
      case 'bool':
        return v !== 0n;
      case 'int32':
        return Number(BigInt.asIntN(32, v));
      case 'uint32':
        return Number(BigInt.asUintN(32, v));
      case 'int64':
        return Number(BigInt.asIntN(64, v));
      case 'uint64':
        return Number(v);
      default: {
        // sint32/sint64: ZigZag (n >> 1) ^ -(n & 1).
        return Number((v >> 1n) ^ -(v & 1n));
      }
    }
  }
  const bytes = value.bytes ?? new Uint8Array();
  if (type === 'string') return utf8.decode(bytes);
  if (type === 'bytes') return Buffer.from(bytes).toString('base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case 'fixed32':
      return view.getUint32(0, true);
    case 'sfixed32':
      return view.getInt32(0, true);
    case 'float':
      return view.getFloat32(0, true);
    case 'fixed64':
      return Number(view.getBigUint64(0, true));
    case 'sfixed64':
      return Number(view.getBigInt64(0, true));
    default:
      return view.getFloat64(0, true);
  }
}
