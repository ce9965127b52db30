#!/usr/bin/env node
/**
 * Generates packages/local-cluster/data/protobuf-messages.json: the protobuf message definitions of
 * the built-in Kubernetes API types, so that the local API server can decode
 * `application/vnd.kubernetes.protobuf` request bodies without kubectl being installed.
 *
 * Where they come from: every kubectl binary links the gogo-protobuf generated code of
 * k8s.io/api/** and k8s.io/apimachinery/**, and each generated.pb.go registers its gzipped
 * FileDescriptorProto (`proto.RegisterFile("k8s.io/api/apps/v1/generated.proto", ...)`). This script
 * scans the binary for gzip streams, keeps those that decode as FileDescriptorProtos of those
 * packages (and k8s.io/apiextensions-apiserver if linked), and writes a compact JSON.
 *
 * Usage: node scripts/generate-protobuf-descriptors.js [kubectl-binary ...]
 *   The first binary wins; later ones (older kubectl versions) only add messages the earlier lack.
 *   Default: kubectl.1.33 and then kubectl.1.32 ... 1.27 next to the `kubectl` on PATH.
 *
 * Output: { header, messages: { "<full message name>": [field, ...] } } where a field is
 *   [number, jsonName, type, flags?]
 *   type:  a scalar ("string", "int32", "int64", "bool", "bytes", "double", ...), a message full name
 *          (no leading dot), or "map<K,V>" with K a scalar and V a scalar or message full name;
 *   flags: letters; "r" repeated, "v" a Go value field (gogoproto.nullable=false: always encoded,
 *          so a zero scalar is dropped as omitempty does, unless "z"), "i" inlined in JSON (a Go embedded struct such as
 *          Volume.VolumeSource, whose fields appear in the parent's JSON object), "z" a value scalar
 *          whose JSON tag lacks omitempty (Go's JSON shows its zero value).
 * JSON names, inlining and omitempty come from the Go struct tags kept in the binary where a message
 * can be matched to its struct, else from the structured-merge-diff schema in data/builtin-schema.json.
 * Map entry messages are folded into their map fields.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

const output = fileURLToPath(new URL('../data/protobuf-messages.json', import.meta.url));

/** Proto packages we keep (their .proto file names start with these). */
const KEPT_FILES = ['k8s.io/api/', 'k8s.io/apimachinery/', 'k8s.io/apiextensions-apiserver/'];

/** FieldDescriptorProto.Type numbers -> scalar names (descriptor.proto). */
const SCALAR_TYPES = {
  1: 'double',
  2: 'float',
  3: 'int64',
  4: 'uint64',
  5: 'int32',
  6: 'fixed64',
  7: 'fixed32',
  8: 'bool',
  9: 'string',
  12: 'bytes',
  13: 'uint32',
  15: 'sfixed32',
  16: 'sfixed64',
  17: 'sint32',
  18: 'sint64',
};
const TYPE_MESSAGE = 11;
const LABEL_REPEATED = 3;
/** gogoproto extension numbers on FieldOptions (github.com/gogo/protobuf/gogoproto/gogo.proto). */
const GOGO_NULLABLE = 65001;
const GOGO_CUSTOMNAME = 65004;

function defaultBinaries() {
  let dir;
  try {
    const onPath = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
    dir = dirname(realpathSync(onPath));
  } catch {
    return [];
  }
  const versions = ['1.33', '1.32', '1.31', '1.30', '1.29', '1.28', '1.27'];
  return versions.map((v) => join(dir, `kubectl.${v}`)).filter((p) => existsSync(p));
}

/** Decodes a protobuf message into [fieldNumber, value] pairs; length-delimited values stay bytes. */
function rawFields(bytes) {
  const reader = protobuf.Reader.create(bytes);
  const out = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 0) throw new Error('field number 0');
    switch (wireType) {
      case 0:
        out.push([field, reader.uint64().toNumber()]);
        break;
      case 1:
        reader.skip(8);
        break;
      case 2:
        out.push([field, reader.bytes()]);
        break;
      case 5:
        reader.skip(4);
        break;
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
  }
  return out;
}

const text = (bytes) => Buffer.from(bytes).toString('utf8');
const first = (fields, n) => fields.find(([f]) => f === n)?.[1];
const all = (fields, n) => fields.filter(([f]) => f === n).map(([, v]) => v);

/** FileDescriptorProto -> { name, package, messages: [{ fullName, mapEntry, fields }] } (nested included). */
function parseFile(bytes) {
  const file = rawFields(bytes);
  const name = first(file, 1);
  const pkg = first(file, 2);
  if (!(name instanceof Uint8Array) || !(pkg instanceof Uint8Array)) return undefined;
  const result = { name: text(name), package: text(pkg), messages: [] };
  const visit = (messageBytes, prefix) => {
    const message = rawFields(messageBytes);
    const fullName = `${prefix}.${text(first(message, 1))}`;
    const options = first(message, 7);
    const mapEntry = options ? first(rawFields(options), 7) === 1 : false;
    const fields = all(message, 2).map((fieldBytes) => {
      const field = rawFields(fieldBytes);
      const fieldOptions = first(field, 8);
      const gogo = fieldOptions ? rawFields(fieldOptions) : [];
      const customName = first(gogo, GOGO_CUSTOMNAME);
      return {
        name: text(first(field, 1)),
        number: first(field, 3),
        label: first(field, 4),
        type: first(field, 5),
        typeName: first(field, 6) ? text(first(field, 6)).replace(/^\./, '') : undefined,
        nullable: first(gogo, GOGO_NULLABLE) !== 0,
        customName: customName ? text(customName) : undefined,
      };
    });
    result.messages.push({ fullName, mapEntry, fields });
    for (const nested of all(message, 3)) visit(nested, fullName);
  };
  for (const message of all(file, 4)) visit(message, result.package);
  return result;
}

/** Every FileDescriptorProto of the kept packages that the binary registers. */
function filesInBinary(path) {
  const binary = readFileSync(path);
  const gzipMagic = Buffer.from([0x1f, 0x8b, 0x08]);
  const files = [];
  for (let at = binary.indexOf(gzipMagic); at >= 0; at = binary.indexOf(gzipMagic, at + 1)) {
    let inflated;
    try {
      // Node stops at the end of the first gzip member; the bytes after it are the rest of the binary.
      inflated = gunzipSync(binary.subarray(at, at + 8 * 1024 * 1024));
    } catch {
      continue;
    }
    let file;
    try {
      file = parseFile(inflated);
    } catch {
      continue;
    }
    if (!file) continue;
    // kubectl <= 1.29 was built from k8s.io/kubernetes with vendored (and so prefixed) file names.
    file.name = file.name.replace(/^k8s\.io\/kubernetes\/vendor\//, '');
    if (KEPT_FILES.some((prefix) => file.name.startsWith(prefix))) files.push(file);
  }
  return files;
}

/**
 * The Go struct tags of the generated types, per message: what the descriptors lack (JSON name,
 * `omitempty`, `,inline`). A Go binary keeps every struct field's name and tag for reflection (the
 * runtime's name encoding: flags byte, varint length, name, varint length, tag) and each struct
 * type's field array (24-byte entries whose first word points at that name). Runs of consecutive
 * entries pointing at names with a `protobuf:"..."` tag are the generated structs; a message is
 * matched to the structs with exactly its (number, name) fields, and used when they all agree.
 * Returns message full name -> field number -> { json, omitEmpty, inline }.
 */
function goStructTags(binary, messages) {
  if (binary.readUInt32BE(0) !== 0x7f454c46 || binary[4] !== 2) return new Map(); // ELF64 only
  const phoff = Number(binary.readBigUInt64LE(0x20));
  const phentsize = binary.readUInt16LE(0x36);
  const loads = [];
  for (let k = 0; k < binary.readUInt16LE(0x38); k++) {
    const at = phoff + k * phentsize;
    if (binary.readUInt32LE(at) !== 1 /* PT_LOAD */) continue;
    loads.push({
      offset: Number(binary.readBigUInt64LE(at + 8)),
      vaddr: Number(binary.readBigUInt64LE(at + 16)),
      size: Number(binary.readBigUInt64LE(at + 32)),
    });
  }
  const toVaddr = (offset) => {
    const load = loads.find((l) => offset >= l.offset && offset < l.offset + l.size);
    return load ? offset - load.offset + load.vaddr : -1;
  };
  const names = new Map(); // vaddr of a name record -> parsed tag
  const jsonTag = Buffer.from('json:"');
  for (let at = binary.indexOf(jsonTag); at >= 0; at = binary.indexOf(jsonTag, at + 1)) {
    // The tag's length is a 1- or 2-byte varint right before it.
    let tagLength = binary[at - 1];
    let lengthAt = at - 1;
    if (binary[at - 2] >= 0x80 && binary[at - 1] < 0x80) {
      tagLength = (binary[at - 2] & 0x7f) | (binary[at - 1] << 7);
      lengthAt = at - 2;
    }
    if (tagLength >= 0x80 && lengthAt === at - 1) continue;
    const tag = binary.subarray(at, at + tagLength).toString('latin1');
    const proto = /protobuf:"[a-z0-9]+,(\d+),(?:opt|rep|req),name=([A-Za-z0-9_]+)/.exec(tag);
    const json = /^json:"([^"]*)"/.exec(tag);
    if (!proto || !json) continue;
    for (let length = 1; length < 100; length++) {
      if (binary[lengthAt - 1 - length] !== length) continue;
      const goName = binary.subarray(lengthAt - length, lengthAt).toString('latin1');
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(goName)) continue;
      const [jsonName, ...options] = json[1].split(',');
      names.set(toVaddr(lengthAt - length - 2), {
        number: Number(proto[1]),
        protoName: proto[2],
        json: jsonName,
        omitEmpty: options.includes('omitempty'),
        inline: jsonName === '' && options.includes('inline'),
      });
      break;
    }
  }
  const structs = [];
  let current;
  let previous = -100;
  for (let at = 0; at + 8 <= binary.length; at += 8) {
    if (binary.readUInt32LE(at + 4) !== 0) continue;
    const field = names.get(binary.readUInt32LE(at));
    if (!field) continue;
    if (current && at === previous + 24 && !current.some((f) => f.number === field.number))
      current.push(field);
    else structs.push((current = [field]));
    previous = at;
  }
  const signature = (pairs) =>
    pairs
      .map(([n, name]) => `${n}=${name}`)
      .sort()
      .join(',');
  const bySignature = new Map();
  for (const fields of structs) {
    const key = signature(fields.map((f) => [f.number, f.protoName]));
    if (!bySignature.has(key)) bySignature.set(key, []);
    bySignature.get(key).push(fields);
  }
  const result = new Map();
  for (const message of messages) {
    const candidates = bySignature.get(signature(message.fields.map((f) => [f.number, f.name])));
    if (!candidates) continue;
    const tags = new Map();
    for (const field of message.fields) {
      const seen = candidates.map((c) => c.find((f) => f.number === field.number));
      const same = seen.every(
        (t) => t.json === seen[0].json && t.omitEmpty === seen[0].omitEmpty && t.inline === seen[0].inline,
      );
      if (same) tags.set(field.number, seen[0]);
    }
    result.set(message.fullName, tags);
  }
  return result;
}

function kubectlVersion(path) {
  try {
    const out = execFileSync(path, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
    return JSON.parse(out).clientVersion.gitVersion;
  } catch {
    return basename(path);
  }
}

function typeOf(field, mapEntries) {
  if (field.type !== TYPE_MESSAGE) {
    const scalar = SCALAR_TYPES[field.type];
    if (!scalar) throw new Error(`field ${field.name}: unsupported type ${field.type}`);
    return scalar;
  }
  const entry = mapEntries.get(field.typeName);
  if (entry) {
    const key = entry.fields.find((f) => f.number === 1);
    const value = entry.fields.find((f) => f.number === 2);
    return `map<${typeOf(key, mapEntries)},${typeOf(value, mapEntries)}>`;
  }
  return field.typeName;
}

/**
 * How message fields appear in JSON. Two things the descriptors do not say, while the
 * structured-merge-diff schema of the built-in types does:
 *  - inlined fields (`json:",inline"`, e.g. Volume.VolumeSource): a message field whose name the
 *    schema type lacks while the schema type has all the (flattened) fields of its message;
 *  - JSON names that differ from the proto names (`aPIGroup` -> `apiGroup`, `Webhooks` -> `webhooks`):
 *    the schema field with the same name ignoring case.
 * Messages the schema does not cover (older or alpha versions) reuse what was learned for the same
 * field name and type name elsewhere (inlining also needs a Go embedded struct: customname = type name).
 * Returns "<message>.<field>" -> { inline } or { jsonName }.
 */
function jsonShape(messages) {
  const schemaPath = fileURLToPath(new URL('../data/builtin-schema.json', import.meta.url));
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  const schemaFields = new Map();
  for (const type of schema.types) {
    if (type.map?.fields) schemaFields.set(type.name, new Set(type.map.fields.map((f) => f.name)));
  }
  const schemaName = (messageName) => messageName.replace(/^k8s\.io\./, 'io.k8s.');
  const simpleName = (typeName) => typeName.slice(typeName.lastIndexOf('.') + 1);
  const isCandidate = (field) =>
    field.type === TYPE_MESSAGE && field.label !== LABEL_REPEATED && field.name !== 'metadata';
  const shape = new Map();
  const learnedInline = new Set(); // "<field>/<TypeSimpleName>"
  // go-to-protobuf lower-cases only the first letter of a Go field name (UID -> uID), while the JSON
  // tag says "uid"; seen in types the schema lacks (authentication/v1 BoundObjectReference).
  const learnedNames = new Map([['uID', 'uid']]); // proto name -> JSON name
  const mismatches = [];
  const decided = new Set();
  /** The JSON field names of a message, with its inline fields flattened. */
  const flattened = (message, seen = new Set()) => {
    if (seen.has(message.fullName)) return [];
    seen.add(message.fullName);
    decide(message);
    return message.fields.flatMap((field) => {
      const s = shape.get(`${message.fullName}.${field.name}`);
      if (s?.inline) return messages.has(field.typeName) ? flattened(messages.get(field.typeName), seen) : [];
      return [s?.jsonName ?? field.name];
    });
  };
  function decide(message) {
    if (decided.has(message.fullName)) return;
    decided.add(message.fullName);
    const known = schemaFields.get(schemaName(message.fullName));
    if (!known) return;
    const lowerCase = new Map([...known].map((name) => [name.toLowerCase(), name]));
    for (const field of message.fields) {
      if (known.has(field.name)) continue;
      const key = `${message.fullName}.${field.name}`;
      const renamed = lowerCase.get(field.name.toLowerCase());
      if (renamed) {
        shape.set(key, { jsonName: renamed });
        learnedNames.set(field.name, renamed);
        continue;
      }
      const sub = messages.get(field.typeName);
      if (
        isCandidate(field) &&
        sub &&
        sub.fields.length > 0 &&
        flattened(sub).every((name) => known.has(name))
      ) {
        shape.set(key, { inline: true });
        learnedInline.add(`${field.name}/${simpleName(field.typeName)}`);
      } else {
        mismatches.push(key);
      }
    }
  }
  for (const message of messages.values()) decide(message);
  for (const message of messages.values()) {
    if (schemaFields.has(schemaName(message.fullName))) continue;
    for (const field of message.fields) {
      const key = `${message.fullName}.${field.name}`;
      const embedded = field.customName === simpleName(field.typeName ?? '');
      if (
        isCandidate(field) &&
        embedded &&
        learnedInline.has(`${field.name}/${simpleName(field.typeName)}`)
      ) {
        shape.set(key, { inline: true });
      } else if (learnedNames.has(field.name)) {
        shape.set(key, { jsonName: learnedNames.get(field.name) });
      }
    }
  }
  if (mismatches.length > 0) {
    process.stderr.write(
      `fields absent from the schema, kept under their proto name: ${mismatches.join(', ')}\n`,
    );
  }
  return shape;
}

function main() {
  const binaries = process.argv.length > 2 ? process.argv.slice(2) : defaultBinaries();
  if (binaries.length === 0) throw new Error('no kubectl binary given or found');
  const messages = {};
  const parsed = new Map(); // full name -> parsed message, first binary wins
  const sources = [];
  for (const path of binaries) {
    const files = filesInBinary(path);
    const tags = goStructTags(
      readFileSync(path),
      files.flatMap((f) => f.messages).filter((m) => !m.mapEntry),
    );
    const mapEntries = new Map();
    for (const file of files) for (const m of file.messages) if (m.mapEntry) mapEntries.set(m.fullName, m);
    let added = 0;
    for (const file of files) {
      for (const message of file.messages) {
        if (message.mapEntry || parsed.has(message.fullName)) continue;
        parsed.set(message.fullName, { ...message, mapEntries, tags: tags.get(message.fullName) });
        added++;
      }
    }
    sources.push({ kubectl: kubectlVersion(path), files: files.length, messagesAdded: added });
    process.stderr.write(
      `${path}: ${files.length} files, ${added} messages added, ${tags.size} matched to Go structs\n`,
    );
  }
  const shape = jsonShape(parsed);
  const disagreements = [];
  for (const message of parsed.values()) {
    const { mapEntries } = message;
    messages[message.fullName] = message.fields.map((field) => {
      const guessed = shape.get(`${message.fullName}.${field.name}`) ?? {};
      const tag = message.tags?.get(field.number);
      // The Go struct tag is authoritative; the schema-based guess covers unmatched messages.
      const inline = tag ? tag.inline : Boolean(guessed.inline);
      const jsonName = tag && !tag.inline ? tag.json : (guessed.jsonName ?? field.name);
      if (
        tag &&
        (inline !== Boolean(guessed.inline) || (!inline && jsonName !== (guessed.jsonName ?? field.name)))
      ) {
        disagreements.push(`${message.fullName}.${field.name}`);
      }
      const isMessage = field.type === TYPE_MESSAGE;
      const flags =
        (field.label === LABEL_REPEATED && !mapEntries.has(field.typeName) ? 'r' : '') +
        (field.nullable ? '' : 'v') +
        (inline ? 'i' : '') +
        // A value scalar without omitempty: Go's JSON shows its zero value.
        (!field.nullable && !isMessage && field.label !== LABEL_REPEATED && tag && !tag.omitEmpty ? 'z' : '');
      const entry = [field.number, jsonName, typeOf(field, mapEntries)];
      if (flags) entry.push(flags);
      return entry;
    });
  }
  if (disagreements.length > 0) {
    process.stderr.write(
      `Go struct tags differ from the schema-based guess for: ${disagreements.join(', ')}\n`,
    );
  }
  const sorted = Object.fromEntries(
    Object.keys(messages)
      .sort()
      .map((name) => [name, messages[name]]),
  );
  const out = {
    header: {
      description:
        'Protobuf message definitions of the Kubernetes API types, from the gzipped FileDescriptorProtos ' +
        'of k8s.io/api and k8s.io/apimachinery generated.proto files registered in kubectl binaries. ' +
        'Generated by packages/local-cluster/scripts/generate-protobuf-descriptors.js; do not edit. ' +
        'Field: [number, jsonName, type, flags]; flags r=repeated, v=Go value field (nullable=false), i=inline, z=zero value shown (no omitempty).',
      license: 'Apache-2.0, Copyright The Kubernetes Authors',
      sources,
    },
    messages: sorted,
  };
  writeFileSync(output, JSON.stringify(out));
  process.stderr.write(`wrote ${Object.keys(sorted).length} messages to ${output}\n`);
}

main();
