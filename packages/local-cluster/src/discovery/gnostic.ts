import protobuf from 'protobufjs';
import YAML from 'yaml';
import { isJsonObject, type JsonObject, type JsonValue } from '../api/index.js';

/**
 * The messages of the gnostic OpenAPI v2 protobuf (package openapi.v2, github.com/google/gnostic
 * openapiv2/OpenAPIv2.proto) that a Kubernetes swagger document uses, written from its field
 * numbers. client-go's `OpenAPISchema()` asks for this encoding
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`).
 */
const field = (id: number, type: string, rule?: 'repeated'): Record<string, unknown> => ({
  id,
  type,
  ...(rule ? { rule } : {}),
});
const named = (valueType: string): Record<string, unknown> => ({
  fields: { name: field(1, 'string'), value: field(2, valueType) },
});

const descriptor = {
  nested: {
    openapi: {
      nested: {
        v2: {
          nested: {
            Any: { fields: { yaml: field(2, 'string') } },
            NamedAny: named('Any'),
            NamedSchema: named('Schema'),
            NamedPathItem: named('PathItem'),
            NamedResponseValue: named('ResponseValue'),
            Info: {
              fields: {
                title: field(1, 'string'),
                version: field(2, 'string'),
                description: field(3, 'string'),
                vendorExtension: field(7, 'NamedAny', 'repeated'),
              },
            },
            Document: {
              fields: {
                swagger: field(1, 'string'),
                info: field(2, 'Info'),
                host: field(3, 'string'),
                basePath: field(4, 'string'),
                schemes: field(5, 'string', 'repeated'),
                consumes: field(6, 'string', 'repeated'),
                produces: field(7, 'string', 'repeated'),
                paths: field(8, 'Paths'),
                definitions: field(9, 'Definitions'),
                vendorExtension: field(16, 'NamedAny', 'repeated'),
              },
            },
            Definitions: { fields: { additionalProperties: field(1, 'NamedSchema', 'repeated') } },
            Properties: { fields: { additionalProperties: field(1, 'NamedSchema', 'repeated') } },
            Paths: {
              fields: {
                vendorExtension: field(1, 'NamedAny', 'repeated'),
                path: field(2, 'NamedPathItem', 'repeated'),
              },
            },
            PathItem: {
              fields: {
                ref: field(1, 'string'),
                get: field(2, 'Operation'),
                put: field(3, 'Operation'),
                post: field(4, 'Operation'),
                delete: field(5, 'Operation'),
                options: field(6, 'Operation'),
                head: field(7, 'Operation'),
                patch: field(8, 'Operation'),
                parameters: field(9, 'ParametersItem', 'repeated'),
                vendorExtension: field(10, 'NamedAny', 'repeated'),
              },
            },
            Operation: {
              fields: {
                tags: field(1, 'string', 'repeated'),
                summary: field(2, 'string'),
                description: field(3, 'string'),
                operationId: field(5, 'string'),
                produces: field(6, 'string', 'repeated'),
                consumes: field(7, 'string', 'repeated'),
                parameters: field(8, 'ParametersItem', 'repeated'),
                responses: field(9, 'Responses'),
                schemes: field(10, 'string', 'repeated'),
                deprecated: field(11, 'bool'),
                vendorExtension: field(13, 'NamedAny', 'repeated'),
              },
            },
            ParametersItem: {
              oneofs: { oneof: { oneof: ['parameter', 'jsonReference'] } },
              fields: { parameter: field(1, 'Parameter'), jsonReference: field(2, 'JsonReference') },
            },
            JsonReference: { fields: { ref: field(1, 'string'), description: field(2, 'string') } },
            Parameter: {
              oneofs: { oneof: { oneof: ['bodyParameter', 'nonBodyParameter'] } },
              fields: {
                bodyParameter: field(1, 'BodyParameter'),
                nonBodyParameter: field(2, 'NonBodyParameter'),
              },
            },
            BodyParameter: {
              fields: {
                description: field(1, 'string'),
                name: field(2, 'string'),
                in: field(3, 'string'),
                required: field(4, 'bool'),
                schema: field(5, 'Schema'),
                vendorExtension: field(6, 'NamedAny', 'repeated'),
              },
            },
            NonBodyParameter: {
              oneofs: {
                oneof: {
                  oneof: [
                    'headerParameterSubSchema',
                    'formDataParameterSubSchema',
                    'queryParameterSubSchema',
                    'pathParameterSubSchema',
                  ],
                },
              },
              fields: {
                queryParameterSubSchema: field(3, 'QueryParameterSubSchema'),
                pathParameterSubSchema: field(4, 'PathParameterSubSchema'),
              },
            },
            QueryParameterSubSchema: {
              fields: {
                required: field(1, 'bool'),
                in: field(2, 'string'),
                description: field(3, 'string'),
                name: field(4, 'string'),
                allowEmptyValue: field(5, 'bool'),
                type: field(6, 'string'),
                format: field(7, 'string'),
                uniqueItems: field(20, 'bool'),
                vendorExtension: field(23, 'NamedAny', 'repeated'),
              },
            },
            PathParameterSubSchema: {
              fields: {
                required: field(1, 'bool'),
                in: field(2, 'string'),
                description: field(3, 'string'),
                name: field(4, 'string'),
                type: field(5, 'string'),
                format: field(6, 'string'),
                uniqueItems: field(19, 'bool'),
                vendorExtension: field(22, 'NamedAny', 'repeated'),
              },
            },
            Responses: {
              fields: {
                responseCode: field(1, 'NamedResponseValue', 'repeated'),
                vendorExtension: field(2, 'NamedAny', 'repeated'),
              },
            },
            ResponseValue: {
              oneofs: { oneof: { oneof: ['response', 'jsonReference'] } },
              fields: { response: field(1, 'Response'), jsonReference: field(2, 'JsonReference') },
            },
            Response: {
              fields: {
                description: field(1, 'string'),
                schema: field(2, 'SchemaItem'),
                vendorExtension: field(5, 'NamedAny', 'repeated'),
              },
            },
            SchemaItem: {
              oneofs: { oneof: { oneof: ['schema', 'fileSchema'] } },
              fields: { schema: field(1, 'Schema') },
            },
            AdditionalPropertiesItem: {
              oneofs: { oneof: { oneof: ['schema', 'boolean'] } },
              fields: { schema: field(1, 'Schema'), boolean: field(2, 'bool') },
            },
            TypeItem: { fields: { value: field(1, 'string', 'repeated') } },
            ItemsItem: { fields: { schema: field(1, 'Schema', 'repeated') } },
            Schema: {
              fields: {
                ref: field(1, 'string'),
                format: field(2, 'string'),
                title: field(3, 'string'),
                description: field(4, 'string'),
                default: field(5, 'Any'),
                multipleOf: field(6, 'double'),
                maximum: field(7, 'double'),
                exclusiveMaximum: field(8, 'bool'),
                minimum: field(9, 'double'),
                exclusiveMinimum: field(10, 'bool'),
                maxLength: field(11, 'int64'),
                minLength: field(12, 'int64'),
                pattern: field(13, 'string'),
                maxItems: field(14, 'int64'),
                minItems: field(15, 'int64'),
                uniqueItems: field(16, 'bool'),
                maxProperties: field(17, 'int64'),
                minProperties: field(18, 'int64'),
                required: field(19, 'string', 'repeated'),
                enum: field(20, 'Any', 'repeated'),
                additionalProperties: field(21, 'AdditionalPropertiesItem'),
                type: field(22, 'TypeItem'),
                items: field(23, 'ItemsItem'),
                allOf: field(24, 'Schema', 'repeated'),
                properties: field(25, 'Properties'),
                discriminator: field(26, 'string'),
                readOnly: field(27, 'bool'),
                example: field(30, 'Any'),
                vendorExtension: field(31, 'NamedAny', 'repeated'),
              },
            },
          },
        },
      },
    },
  },
};

let root: protobuf.Root | undefined;

/** The gnostic OpenAPI v2 message types (for encoding here and decoding in tests). */
export function gnosticTypes(): protobuf.Root {
  root ??= protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
  return root;
}

type Message = Record<string, unknown>;

/** gnostic carries free-form values (defaults, enums, extensions) as YAML text in `Any.yaml`. */
function anyOf(value: JsonValue): Message {
  return { yaml: YAML.stringify(value) };
}

function vendorExtensions(obj: JsonObject): Message[] {
  return Object.entries(obj)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, value]) => ({ name, value: anyOf(value) }));
}

const SCHEMA_STRINGS = ['format', 'title', 'description', 'pattern', 'discriminator'] as const;
const SCHEMA_NUMBERS = [
  'multipleOf',
  'maximum',
  'minimum',
  'maxLength',
  'minLength',
  'maxItems',
  'minItems',
  'maxProperties',
  'minProperties',
] as const;
const SCHEMA_BOOLS = ['exclusiveMaximum', 'exclusiveMinimum', 'uniqueItems', 'readOnly'] as const;

function schemaMessage(s: JsonObject): Message {
  const m: Message = {};
  if (typeof s.$ref === 'string') m.ref = s.$ref;
  for (const k of SCHEMA_STRINGS) if (typeof s[k] === 'string') m[k] = s[k];
  for (const k of SCHEMA_NUMBERS) if (typeof s[k] === 'number') m[k] = s[k];
  for (const k of SCHEMA_BOOLS) if (typeof s[k] === 'boolean') m[k] = s[k];
  if (s.default !== undefined) m.default = anyOf(s.default);
  if (s.example !== undefined) m.example = anyOf(s.example);
  if (Array.isArray(s.required)) m.required = s.required.filter((r) => typeof r === 'string');
  if (Array.isArray(s.enum)) m.enum = s.enum.map(anyOf);
  if (typeof s.additionalProperties === 'boolean')
    m.additionalProperties = { boolean: s.additionalProperties };
  else if (isJsonObject(s.additionalProperties))
    m.additionalProperties = { schema: schemaMessage(s.additionalProperties) };
  if (typeof s.type === 'string') m.type = { value: [s.type] };
  else if (Array.isArray(s.type)) m.type = { value: s.type.filter((t) => typeof t === 'string') };
  if (isJsonObject(s.items)) m.items = { schema: [schemaMessage(s.items)] };
  else if (Array.isArray(s.items)) m.items = { schema: s.items.filter(isJsonObject).map(schemaMessage) };
  if (Array.isArray(s.allOf)) m.allOf = s.allOf.filter(isJsonObject).map(schemaMessage);
  if (isJsonObject(s.properties)) {
    m.properties = {
      additionalProperties: Object.entries(s.properties)
        .filter(([, v]) => isJsonObject(v))
        .map(([name, v]) => ({ name, value: schemaMessage(v as JsonObject) })),
    };
  }
  const ext = vendorExtensions(s);
  if (ext.length) m.vendorExtension = ext;
  return m;
}

function parameterMessage(p: JsonObject): Message {
  if (p.in === 'body') {
    return {
      parameter: {
        bodyParameter: {
          name: p.name,
          in: 'body',
          ...(typeof p.description === 'string' ? { description: p.description } : {}),
          required: p.required === true,
          ...(isJsonObject(p.schema) ? { schema: schemaMessage(p.schema) } : {}),
        },
      },
    };
  }
  const sub: Message = {
    required: p.required === true,
    in: p.in,
    description: p.description,
    name: p.name,
    type: p.type,
    uniqueItems: p.uniqueItems === true,
  };
  return {
    parameter: {
      nonBodyParameter: p.in === 'path' ? { pathParameterSubSchema: sub } : { queryParameterSubSchema: sub },
    },
  };
}

const OPERATION_STRINGS = ['description', 'summary', 'operationId'] as const;
const OPERATION_LISTS = ['tags', 'produces', 'consumes', 'schemes'] as const;

function operationMessage(op: JsonObject): Message {
  const m: Message = {};
  for (const k of OPERATION_STRINGS) if (typeof op[k] === 'string') m[k] = op[k];
  for (const k of OPERATION_LISTS) if (Array.isArray(op[k])) m[k] = op[k];
  if (Array.isArray(op.parameters)) m.parameters = op.parameters.filter(isJsonObject).map(parameterMessage);
  if (isJsonObject(op.responses)) {
    m.responses = {
      responseCode: Object.entries(op.responses)
        .filter(([, v]) => isJsonObject(v))
        .map(([name, v]) => {
          const r = v as JsonObject;
          return {
            name,
            value: {
              response: {
                description: typeof r.description === 'string' ? r.description : '',
                ...(isJsonObject(r.schema) ? { schema: { schema: schemaMessage(r.schema) } } : {}),
              },
            },
          };
        }),
    };
  }
  if (op.deprecated === true) m.deprecated = true;
  const ext = vendorExtensions(op);
  if (ext.length) m.vendorExtension = ext;
  return m;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

/** Encodes a Swagger 2.0 JSON document as a gnostic `openapi.v2.Document`. */
export function encodeOpenApiV2Protobuf(doc: JsonObject): Buffer {
  const paths = isJsonObject(doc.paths) ? doc.paths : {};
  const definitions = isJsonObject(doc.definitions) ? doc.definitions : {};
  const info = isJsonObject(doc.info) ? doc.info : {};
  const message: Message = {
    swagger: typeof doc.swagger === 'string' ? doc.swagger : '2.0',
    info: { title: info.title, version: info.version },
    paths: {
      path: Object.entries(paths)
        .filter(([, v]) => isJsonObject(v))
        .map(([name, v]) => {
          const item = v as JsonObject;
          const value: Message = {};
          for (const method of METHODS) {
            const op = item[method];
            if (isJsonObject(op)) value[method] = operationMessage(op);
          }
          if (Array.isArray(item.parameters))
            value.parameters = item.parameters.filter(isJsonObject).map(parameterMessage);
          return { name, value };
        }),
    },
    definitions: {
      additionalProperties: Object.entries(definitions)
        .filter(([, v]) => isJsonObject(v))
        .map(([name, v]) => ({ name, value: schemaMessage(v as JsonObject) })),
    },
  };
  const type = gnosticTypes().lookupType('openapi.v2.Document');
  return Buffer.from(type.encode(type.fromObject(message)).finish());
}
