/**
 * One JSON request to the API server with the kubeconfig's credentials. Why not KubernetesObjectApi:
 * it re-serializes known kinds through client-node's models, which drops every field the model names
 * differently (a CRD's `x-kubernetes-*` schema extensions among them).
 */
import https from 'node:https';
import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

/** A response that was not 2xx: the API server's Status, when it sent one. */
export class KubeRequestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'KubeRequestError';
  }
}

/** Sends `body` (JSON) and resolves to the decoded JSON response. */
export async function kubeRequest(
  kubeConfig: KubeConfig,
  method: string,
  apiPath: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<unknown> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + apiPath);
  const options: https.RequestOptions = { method, headers: { Accept: 'application/json' } };
  await kubeConfig.applyToHTTPSOptions(options);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers = (options.headers ?? {}) as Record<string, string | number>;
  if (payload) {
    headers['Content-Type'] = contentType;
    headers['Content-Length'] = payload.length;
  }
  options.headers = headers;
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let decoded: unknown = text;
        try {
          decoded = text ? JSON.parse(text) : undefined;
        } catch {
          // Not JSON (a proxy's error page): keep the text for the message.
        }
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(decoded);
        const s = decoded as { message?: string; reason?: string } | undefined;
        reject(
          new KubeRequestError(
            status,
            s?.reason,
            `${method} ${apiPath}: ${status} ${s?.message ?? text.slice(0, 200)}`,
          ),
        );
      });
    });
    request.on('error', reject);
    request.setTimeout(30_000, () =>
      request.destroy(new Error(`${method} ${apiPath}: no answer within 30 s`)),
    );
    if (payload) request.write(payload);
    request.end();
  });
}
