import type { JsonObject } from '../api/index.js';
import type { ResourceType } from '../registry/index.js';
import {
  DELETE_OPTIONS,
  PATCH,
  STATUS,
  WATCH_EVENT,
  kindSchemaName,
  listSchemaName,
  refTo,
  type OpenApiFlavour,
} from './openapi-schemas.js';
import { subresourcesOf } from './documents.js';

type ParamType = 'string' | 'integer' | 'boolean';
interface ParamSpec {
  name: string;
  type: ParamType;
  description: string;
}

const q = (name: string, type: ParamType, description: string): ParamSpec => ({ name, type, description });

// The query parameters kube-apiserver documents for each action (k8s.io/apiserver/pkg/endpoints/installer.go
// adds them from the option structs: ListOptions, CreateOptions, PatchOptions, DeleteOptions, ...).
const DRY_RUN = q(
  'dryRun',
  'string',
  'When present, indicates that modifications should not be persisted. Valid values: All.',
);
const FIELD_MANAGER = q(
  'fieldManager',
  'string',
  'A name associated with the actor or entity making these changes.',
);
const FIELD_VALIDATION = q(
  'fieldValidation',
  'string',
  'How the server handles unknown or duplicate fields in the request body: Ignore, Warn (the default) or Strict.',
);
const FORCE = q(
  'force',
  'boolean',
  'Force apply requests to take over fields owned by other managers. Only for apply patches.',
);
const LIST_PARAMS: ParamSpec[] = [
  q('allowWatchBookmarks', 'boolean', 'Requests watch events of type BOOKMARK.'),
  q('continue', 'string', 'The continue token of a previous paginated list call.'),
  q('fieldSelector', 'string', 'A selector restricting the returned objects by their fields.'),
  q('labelSelector', 'string', 'A selector restricting the returned objects by their labels.'),
  q('limit', 'integer', 'The maximum number of objects to return in one page.'),
  q('resourceVersion', 'string', 'Constrains the resource versions a request may be served from.'),
  q('resourceVersionMatch', 'string', 'How resourceVersion is applied to list calls: Exact or NotOlderThan.'),
  q(
    'sendInitialEvents',
    'boolean',
    'With watch=true, starts the watch with synthetic events for the current state.',
  ),
  q('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  q(
    'watch',
    'boolean',
    'Watch for changes and return them as a stream of add, update and remove notifications.',
  ),
];
const DELETE_PARAMS: ParamSpec[] = [
  DRY_RUN,
  q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted.'),
  q(
    'ignoreStoreReadErrorWithClusterBreakingPotential',
    'boolean',
    'Deletes a corrupt object that cannot be read.',
  ),
  q('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy.'),
  q(
    'propagationPolicy',
    'string',
    'Whether and how garbage collection is performed: Orphan, Background or Foreground.',
  ),
];
const LOG_PARAMS: ParamSpec[] = [
  q('container', 'string', 'The container for which to stream logs.'),
  q('follow', 'boolean', 'Follow the log stream of the pod.'),
  q('insecureSkipTLSVerifyBackend', 'boolean', 'Skip verifying the serving certificate of the backend.'),
  q(
    'limitBytes',
    'integer',
    'The number of bytes to read from the server before terminating the log output.',
  ),
  q('previous', 'boolean', 'Return previous terminated container logs.'),
  q('sinceSeconds', 'integer', 'A relative time in seconds before the current time from which to show logs.'),
  q('stream', 'string', 'The log stream to return: All, Stdout or Stderr.'),
  q('tailLines', 'integer', 'The number of lines from the end of the logs to show.'),
  q('timestamps', 'boolean', 'Add an RFC3339 timestamp at the beginning of every line of log output.'),
];
const EXEC_PARAMS: ParamSpec[] = [
  q('command', 'string', 'Command is the remote command to execute.'),
  q('container', 'string', 'Container in which to execute the command.'),
  q('stderr', 'boolean', 'Redirect the standard error stream of the pod for this call.'),
  q('stdin', 'boolean', 'Redirect the standard input stream of the pod for this call.'),
  q('stdout', 'boolean', 'Redirect the standard output stream of the pod for this call.'),
  q('tty', 'boolean', 'Allocate a terminal for this exec call.'),
];

type Action =
  | 'get'
  | 'list'
  | 'post'
  | 'put'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'watch'
  | 'watchlist'
  | 'connect';
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface OperationSpec {
  method: Method;
  action: Action;
  operationId: string;
  description: string;
  query: ParamSpec[];
  /** Schema name of the request body, if any. */
  body?: string;
  patchBody?: boolean;
  /** Schema name of the response (undefined: a plain string, e.g. logs). */
  response?: string;
  created?: boolean;
  accepted?: boolean;
  gvk: { group: string; version: string; kind: string };
}

interface PathSpec {
  path: string;
  pathParams: string[];
  operations: OperationSpec[];
}

/** `rbac.authorization.k8s.io` -> `RbacAuthorization`; `` -> `Core`: how operation ids name groups. */
function groupWord(group: string): string {
  if (group === '') return 'Core';
  const trimmed = group.endsWith('.k8s.io') ? group.slice(0, -'.k8s.io'.length) : group;
  return trimmed
    .split(/[.-]/)
    .filter(Boolean)
    .map((p) => p[0]?.toUpperCase() + p.slice(1))
    .join('');
}

function capitalize(s: string): string {
  return s ? (s[0] as string).toUpperCase() + s.slice(1) : s;
}

/** The tag kube-apiserver gives a group version's operations: `core_v1`, `rbacAuthorization_v1`. */
function tagOf(group: string, version: string): string {
  const word = groupWord(group);
  return `${word[0]?.toLowerCase()}${word.slice(1)}_${version}`;
}

/** The operations of one resource type, as the installer registers its routes. */
function pathsOf(type: ResourceType): PathSpec[] {
  const prefix = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const gv = `${groupWord(type.group)}${capitalize(type.version)}`;
  const ns = type.namespaced ? 'Namespaced' : '';
  const kind = type.kind;
  const gvk = { group: type.group, version: type.version, kind };
  const kindName = kindSchemaName(type);
  const listName = listSchemaName(type);
  const has = (verb: string): boolean => type.verbs.includes(verb);
  const base = type.namespaced
    ? `${prefix}/namespaces/{namespace}/${type.resource}`
    : `${prefix}/${type.resource}`;
  const scopeParams = type.namespaced ? ['namespace'] : [];
  const paths: PathSpec[] = [];

  const collection: OperationSpec[] = [];
  if (has('list')) {
    collection.push({
      method: 'get',
      action: 'list',
      operationId: `list${gv}${ns}${kind}`,
      description: `list or watch objects of kind ${kind}`,
      query: LIST_PARAMS,
      response: listName,
      gvk,
    });
  }
  if (has('create')) {
    collection.push({
      method: 'post',
      action: 'post',
      operationId: `create${gv}${ns}${kind}`,
      description: `create ${article(kind)} ${kind}`,
      query: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
      body: kindName,
      response: kindName,
      created: true,
      accepted: true,
      gvk,
    });
  }
  if (has('deletecollection')) {
    collection.push({
      method: 'delete',
      action: 'deletecollection',
      operationId: `delete${gv}Collection${ns}${kind}`,
      description: `delete collection of ${kind}`,
      query: [
        ...DELETE_PARAMS,
        ...LIST_PARAMS.filter((p) => !['allowWatchBookmarks', 'watch'].includes(p.name)),
      ].sort(byParamName),
      body: DELETE_OPTIONS,
      response: STATUS,
      gvk,
    });
  }
  if (collection.length) paths.push({ path: base, pathParams: scopeParams, operations: collection });

  const item: OperationSpec[] = [];
  if (has('get'))
    item.push({
      method: 'get',
      action: 'get',
      operationId: `read${gv}${ns}${kind}`,
      description: `read the specified ${kind}`,
      query: [],
      response: kindName,
      gvk,
    });
  if (has('update')) {
    item.push({
      method: 'put',
      action: 'put',
      operationId: `replace${gv}${ns}${kind}`,
      description: `replace the specified ${kind}`,
      query: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
      body: kindName,
      response: kindName,
      created: true,
      gvk,
    });
  }
  if (has('delete')) {
    item.push({
      method: 'delete',
      action: 'delete',
      operationId: `delete${gv}${ns}${kind}`,
      description: `delete ${article(kind)} ${kind}`,
      query: DELETE_PARAMS,
      body: DELETE_OPTIONS,
      response: STATUS,
      accepted: true,
      gvk,
    });
  }
  if (has('patch')) {
    item.push({
      method: 'patch',
      action: 'patch',
      operationId: `patch${gv}${ns}${kind}`,
      description: `partially update the specified ${kind}`,
      query: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
      patchBody: true,
      body: PATCH,
      response: kindName,
      created: true,
      gvk,
    });
  }
  if (item.length)
    paths.push({ path: `${base}/{name}`, pathParams: ['name', ...scopeParams], operations: item });

  if (type.namespaced && has('list')) {
    paths.push({
      path: `${prefix}/${type.resource}`,
      pathParams: [],
      operations: [
        {
          method: 'get',
          action: 'list',
          operationId: `list${gv}${kind}ForAllNamespaces`,
          description: `list or watch objects of kind ${kind}`,
          query: LIST_PARAMS,
          response: listName,
          gvk,
        },
      ],
    });
  }
  if (has('watch')) {
    const watchBase = type.namespaced
      ? `${prefix}/watch/namespaces/{namespace}/${type.resource}`
      : `${prefix}/watch/${type.resource}`;
    const watch = (
      path: string,
      pathParams: string[],
      action: Action,
      id: string,
      description: string,
    ): PathSpec => ({
      path,
      pathParams,
      operations: [
        {
          method: 'get',
          action,
          operationId: id,
          description,
          query: LIST_PARAMS,
          response: WATCH_EVENT,
          gvk,
        },
      ],
    });
    paths.push(
      watch(
        watchBase,
        scopeParams,
        'watchlist',
        `watch${gv}${ns}${kind}List`,
        `watch individual changes to a list of ${kind}. deprecated: use the 'watch' parameter with a list operation instead.`,
      ),
    );
    paths.push(
      watch(
        `${watchBase}/{name}`,
        ['name', ...scopeParams],
        'watch',
        `watch${gv}${ns}${kind}`,
        `watch changes to an object of kind ${kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`,
      ),
    );
    if (type.namespaced) {
      paths.push(
        watch(
          `${prefix}/watch/${type.resource}`,
          [],
          'watchlist',
          `watch${gv}${kind}ListForAllNamespaces`,
          `watch individual changes to a list of ${kind}. deprecated: use the 'watch' parameter with a list operation instead.`,
        ),
      );
    }
  }

  for (const sub of subresourcesOf(type)) {
    const subPath = `${base}/{name}/${sub.name}`;
    const subGvk = { group: sub.group ?? type.group, version: sub.version ?? type.version, kind: sub.kind };
    const Sub = capitalize(sub.name);
    const pathParams = ['name', ...scopeParams];
    if (sub.name === 'status' || sub.name === 'scale') {
      const schemaName = sub.name === 'scale' ? 'io.k8s.api.autoscaling.v1.Scale' : kindName;
      paths.push({
        path: subPath,
        pathParams,
        operations: [
          {
            method: 'get',
            action: 'get',
            operationId: `read${gv}${ns}${kind}${Sub}`,
            description: `read ${sub.name} of the specified ${kind}`,
            query: [],
            response: schemaName,
            gvk: subGvk,
          },
          {
            method: 'put',
            action: 'put',
            operationId: `replace${gv}${ns}${kind}${Sub}`,
            description: `replace ${sub.name} of the specified ${kind}`,
            query: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
            body: schemaName,
            response: schemaName,
            created: true,
            gvk: subGvk,
          },
          {
            method: 'patch',
            action: 'patch',
            operationId: `patch${gv}${ns}${kind}${Sub}`,
            description: `partially update ${sub.name} of the specified ${kind}`,
            query: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
            patchBody: true,
            body: PATCH,
            response: schemaName,
            created: true,
            gvk: subGvk,
          },
        ],
      });
    } else if (sub.name === 'log') {
      paths.push({
        path: subPath,
        pathParams,
        operations: [
          {
            method: 'get',
            action: 'get',
            operationId: `read${gv}${ns}${kind}Log`,
            description: `read log of the specified ${kind}`,
            query: LOG_PARAMS,
            gvk,
          },
        ],
      });
    } else if (sub.name === 'exec') {
      const connect = (method: Method): OperationSpec => ({
        method,
        action: 'connect',
        operationId: `connect${gv}${capitalize(method)}${ns}${kind}Exec`,
        description: `connect ${method.toUpperCase()} requests to exec of ${kind}`,
        query: EXEC_PARAMS,
        gvk: { group: type.group, version: type.version, kind: 'PodExecOptions' },
      });
      paths.push({ path: subPath, pathParams, operations: [connect('get'), connect('post')] });
    } else {
      const schemaName =
        sub.name === 'eviction'
          ? 'io.k8s.api.policy.v1.Eviction'
          : sub.name === 'token'
            ? 'io.k8s.api.authentication.v1.TokenRequest'
            : `io.k8s.api.core.v1.${sub.kind}`;
      paths.push({
        path: subPath,
        pathParams,
        operations: [
          {
            method: 'post',
            action: 'post',
            operationId: `create${gv}${ns}${kind}${Sub}`,
            description: `create ${sub.name} of ${article(kind)} ${kind}`,
            query: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
            body: schemaName,
            response: schemaName,
            created: true,
            accepted: true,
            gvk: subGvk,
          },
        ],
      });
    }
  }
  return paths;
}

function byParamName(a: ParamSpec, b: ParamSpec): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? 'an' : 'a';
}

const PATH_PARAM_DESCRIPTIONS: Record<string, string> = {
  name: 'name of the object',
  namespace: 'object name and auth scope, such as for teams and projects',
};

const PATCH_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];
const RESPONSE_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const WATCH_RESPONSE_TYPES = [
  'application/json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'application/json;stream=watch',
  'application/vnd.kubernetes.protobuf;stream=watch',
];

function v3Param(p: ParamSpec, where: 'query' | 'path'): JsonObject {
  return {
    name: p.name,
    in: where,
    description: p.description,
    ...(where === 'path' ? { required: true } : {}),
    schema: { type: p.type, uniqueItems: true },
  };
}

function v2Param(p: ParamSpec, where: 'query' | 'path'): JsonObject {
  return {
    uniqueItems: true,
    type: p.type,
    description: p.description,
    name: p.name,
    in: where,
    ...(where === 'path' ? { required: true } : {}),
  };
}

const PRETTY: ParamSpec = q('pretty', 'string', "If 'true', then the output is pretty printed.");

function renderOperation(op: OperationSpec, flavour: OpenApiFlavour, tag: string): JsonObject {
  const ref = (name: string): JsonObject => ({ $ref: refTo(flavour, name) });
  const types =
    op.action === 'list' || op.action === 'watch' || op.action === 'watchlist'
      ? WATCH_RESPONSE_TYPES
      : RESPONSE_TYPES;
  const responseSchema: JsonObject = op.response ? ref(op.response) : { type: 'string' };
  const codes: [string, string][] = [['200', 'OK']];
  if (op.created) codes.push(['201', 'Created']);
  if (op.accepted) codes.push(['202', 'Accepted']);
  const common: JsonObject = {
    tags: [tag],
    description: op.description,
    operationId: op.operationId,
  };
  const extensions: JsonObject = {
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version },
  };
  if (flavour === 'v3') {
    const parameters = op.query.map((p) => v3Param(p, 'query'));
    const content = (schema: JsonObject, mediaTypes: string[]): JsonObject =>
      Object.fromEntries(mediaTypes.map((t) => [t, { schema }]));
    const responses: JsonObject = {};
    for (const [code, description] of codes)
      responses[code] = { description, content: content(responseSchema, op.response ? types : ['*/*']) };
    responses['401'] = { description: 'Unauthorized' };
    return {
      ...common,
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              content: content(ref(op.body), op.patchBody ? PATCH_TYPES : ['*/*']),
              ...(op.method !== 'delete' ? { required: true } : {}),
            },
          }
        : {}),
      responses,
      ...extensions,
    };
  }
  const parameters: JsonObject[] = [];
  if (op.body)
    parameters.push({
      name: 'body',
      in: 'body',
      ...(op.method !== 'delete' ? { required: true } : {}),
      schema: ref(op.body),
    });
  parameters.push(...op.query.map((p) => v2Param(p, 'query')));
  const responses: JsonObject = {};
  for (const [code, description] of codes) responses[code] = { description, schema: responseSchema };
  responses['401'] = { description: 'Unauthorized' };
  return {
    ...common,
    consumes: op.patchBody ? PATCH_TYPES : ['*/*'],
    produces: op.response
      ? types
      : ['text/plain', 'application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
    schemes: ['https'],
    ...(parameters.length ? { parameters } : {}),
    responses,
    ...extensions,
  };
}

/**
 * The OpenAPI `paths` of a set of types (one group version for v3, everything for v2): list,
 * create, read, replace, patch, delete(collection), watch and the subresources, each operation
 * with its query parameters (kubectl looks for `fieldValidation` on PATCH to decide that the server
 * validates fields itself) and `x-kubernetes-group-version-kind`.
 */
export function openApiPaths(
  types: ResourceType[],
  flavour: OpenApiFlavour,
): { paths: JsonObject; schemaNames: string[] } {
  const paths: JsonObject = {};
  const schemaNames = new Set<string>();
  for (const type of types) {
    const tag = tagOf(type.group, type.version);
    for (const p of pathsOf(type)) {
      const item: JsonObject = {};
      for (const op of p.operations) {
        item[op.method] = renderOperation(op, flavour, tag);
        if (op.body) schemaNames.add(op.body);
        if (op.response) schemaNames.add(op.response);
      }
      const params = [
        ...p.pathParams.map((n) => ({
          name: n,
          type: 'string' as const,
          description: PATH_PARAM_DESCRIPTIONS[n] ?? n,
        })),
        PRETTY,
      ];
      item.parameters = params.map((param) =>
        flavour === 'v3'
          ? v3Param(param, param === PRETTY ? 'query' : 'path')
          : v2Param(param, param === PRETTY ? 'query' : 'path'),
      );
      paths[p.path] = item;
    }
  }
  return { paths, schemaNames: [...schemaNames] };
}
