/**
 * Puts a project into a cluster: its CRDs (server-side apply, then wait for Established, as
 * `kubectl wait --for condition=established` does) and its sample custom resources (server-side apply).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { UserInputError, type CustomResourceDefinitionDocument } from '../../generators/index.js';
import { kubeRequest, KubeRequestError } from './raw-request.js';

export { kubeRequest, KubeRequestError } from './raw-request.js';

/** The field manager opkit's applies are recorded under (metadata.managedFields). */
export const FIELD_MANAGER = 'opkit';

/** A Kubernetes object as read from YAML. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Where a kind is served: `/api/v1` or `/apis/<group>/<version>`. */
function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** Looks kinds up in discovery (one request per group version, cached). */
export class ResourceDiscovery {
  private readonly lists = new Map<string, ApiResource[]>();
  constructor(private readonly kubeConfig: KubeConfig) {}

  /** The resource serving `kind`, or undefined when the server does not know it. */
  async find(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    let list = this.lists.get(apiVersion);
    if (!list) {
      try {
        const answer = (await kubeRequest(this.kubeConfig, 'GET', groupVersionPath(apiVersion))) as {
          resources?: ApiResource[];
        };
        list = (answer.resources ?? []).filter((r) => !r.name.includes('/'));
      } catch (err) {
        if (err instanceof KubeRequestError && err.statusCode === 404) return undefined;
        throw err;
      }
      this.lists.set(apiVersion, list);
    }
    return list.find((r) => r.kind === kind);
  }

  /** Forgets what it read (after installing CRDs). */
  reset(): void {
    this.lists.clear();
  }
}

/** The URL path of one object. */
export function objectPath(
  apiVersion: string,
  resource: string,
  namespace: string | undefined,
  name: string,
): string {
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${groupVersionPath(apiVersion)}${ns}/${resource}/${encodeURIComponent(name)}`;
}

/** Server-side applies one object (force: opkit owns what it applies, like `kubectl apply --server-side --force-conflicts`). */
async function apply(kubeConfig: KubeConfig, apiPath: string, object: unknown): Promise<unknown> {
  return kubeRequest(
    kubeConfig,
    'PATCH',
    `${apiPath}?fieldManager=${FIELD_MANAGER}&force=true`,
    object,
    'application/apply-patch+yaml',
  );
}

interface CrdStatus {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/** Options of {@link installCustomResourceDefinitions}. */
export interface InstallOptions {
  /** Called before each slow step. */
  progress?: (message: string) => void;
  /** How long to wait for Established. Default 60 s. */
  timeoutMs?: number;
}

/**
 * Server-side applies each CRD and waits until all are Established. Fails with a readable message
 * when the API server rejects one (names taken, invalid schema).
 */
export async function installCustomResourceDefinitions(
  kubeConfig: KubeConfig,
  crds: readonly CustomResourceDefinitionDocument[],
  options: InstallOptions = {},
): Promise<void> {
  const names: string[] = [];
  for (const crd of crds) {
    const name = (crd as unknown as ManifestObject).metadata.name;
    options.progress?.(`installing CustomResourceDefinition ${name}`);
    try {
      await apply(
        kubeConfig,
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`,
        crd,
      );
    } catch (err) {
      if (err instanceof KubeRequestError && err.statusCode < 500)
        throw new UserInputError(`the cluster rejected CRD ${name}: ${err.message}`);
      throw err;
    }
    names.push(name);
  }
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (const name of names) {
    for (;;) {
      const crd = (await kubeRequest(
        kubeConfig,
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`,
      )) as CrdStatus;
      const conditions = crd.status?.conditions ?? [];
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
      const names = conditions.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
      if (names)
        throw new UserInputError(
          `CRD ${name} is not accepted: ${names.message ?? names.reason ?? 'names conflict'}`,
        );
      if (Date.now() > deadline)
        throw new Error(
          `CRD ${name} did not become Established within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`,
        );
      await sleep(200);
    }
  }
}

/** One object read from a sample file. */
export interface SampleObject {
  file: string;
  object: ManifestObject;
}

/**
 * Reads every object in `dir/*.yaml|yml` (multi-document files included), in file name order.
 * `kustomization.yaml` is a build file, not an object, and is skipped.
 */
export async function readSampleObjects(dir: string): Promise<SampleObject[]> {
  let names: string[];
  try {
    names = (await readdir(dir))
      .filter((n) => /\.ya?ml$/.test(n) && !/^kustomization\.ya?ml$/.test(n))
      .sort();
  } catch {
    return [];
  }
  const out: SampleObject[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      if (doc.errors.length > 0) throw new UserInputError(`${file}: ${doc.errors[0].message}`);
      const value = doc.toJS() as unknown;
      if (value === null || value === undefined) continue;
      const obj = value as Partial<ManifestObject>;
      if (
        typeof obj.apiVersion !== 'string' ||
        typeof obj.kind !== 'string' ||
        typeof obj.metadata?.name !== 'string'
      ) {
        throw new UserInputError(`${file}: every object needs apiVersion, kind and metadata.name`);
      }
      out.push({ file, object: obj as ManifestObject });
    }
  }
  return out;
}

/** What {@link applyObjects} did to one object. */
export interface AppliedObject {
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * Server-side applies objects; namespaced ones without a namespace go to `namespace` (created when
 * missing, as `kubectl create namespace` would).
 */
export async function applyObjects(
  kubeConfig: KubeConfig,
  objects: readonly ManifestObject[],
  namespace: string,
): Promise<AppliedObject[]> {
  const discovery = new ResourceDiscovery(kubeConfig);
  const ensured = new Set<string>();
  const applied: AppliedObject[] = [];
  for (const object of objects) {
    let resource: ApiResource | undefined;
    // A CRD installed a moment ago can take a little while to appear in discovery.
    for (let attempt = 0; attempt < 20 && !resource; attempt++) {
      resource = await discovery.find(object.apiVersion, object.kind);
      if (!resource) {
        discovery.reset();
        await sleep(250);
      }
    }
    if (!resource)
      throw new UserInputError(
        `the cluster does not serve ${object.kind} (${object.apiVersion}); is its CRD installed?`,
      );
    const ns = resource.namespaced ? (object.metadata.namespace ?? namespace) : undefined;
    if (ns && !ensured.has(ns)) {
      await ensureNamespace(kubeConfig, ns);
      ensured.add(ns);
    }
    const body = { ...object, metadata: { ...object.metadata, ...(ns ? { namespace: ns } : {}) } };
    try {
      await apply(kubeConfig, objectPath(object.apiVersion, resource.name, ns, object.metadata.name), body);
    } catch (err) {
      if (err instanceof KubeRequestError && err.statusCode < 500)
        throw new UserInputError(
          `the cluster rejected ${object.kind} ${ns ? `${ns}/` : ''}${object.metadata.name}: ${err.message}`,
        );
      throw err;
    }
    applied.push({ kind: object.kind, namespace: ns, name: object.metadata.name });
  }
  return applied;
}

/** Creates a namespace unless it exists. */
export async function ensureNamespace(kubeConfig: KubeConfig, name: string): Promise<void> {
  try {
    await kubeRequest(kubeConfig, 'GET', `/api/v1/namespaces/${encodeURIComponent(name)}`);
  } catch (err) {
    if (!(err instanceof KubeRequestError && err.statusCode === 404)) throw err;
    await apply(kubeConfig, `/api/v1/namespaces/${encodeURIComponent(name)}`, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  }
}
