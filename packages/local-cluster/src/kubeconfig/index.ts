/**
 * Kubeconfig files for the local cluster, in the format kubectl and client-node read
 * (https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/).
 */
import { mkdir, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';

/** What a kubeconfig for one cluster, one user and one context needs. */
export interface KubeconfigInput {
  /** Server URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** Bearer token of the user. */
  token: string;
  /** CA certificate (PEM) that signed the serving certificate; omitted for plain HTTP. */
  caCert?: string;
  /** Name used for the cluster, user and context entries. Default `opkit-local`. */
  name?: string;
  /** Namespace the context defaults to. */
  namespace?: string;
}

/** Renders a kubeconfig (YAML) for the given cluster. */
export function renderKubeconfig(input: KubeconfigInput): string {
  const name = input.name ?? 'opkit-local';
  const cluster: Record<string, string> = { server: input.server };
  if (input.caCert) cluster['certificate-authority-data'] = Buffer.from(input.caCert).toString('base64');
  const context: Record<string, string> = { cluster: name, user: name };
  if (input.namespace) context.namespace = input.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name, user: { token: input.token } }],
    contexts: [{ name, context }],
    'current-context': name,
    preferences: {},
  });
}

/**
 * Writes a kubeconfig file atomically with mode 0600 (it holds a credential), creating parent
 * directories.
 */
export async function writeKubeconfig(file: string, input: KubeconfigInput): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, renderKubeconfig(input), { mode: 0o600 });
  await rename(tmp, file);
}
