/**
 * Container probes and handlers run for real against the pod's IP, as pkg/kubelet/prober and
 * pkg/probe/{exec,http,tcp} do: an httpGet succeeds on 200-399, a tcpSocket when it connects, an
 * exec when the command exits 0.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { ExecResult } from '../runtime/index.js';

/** core/v1 Probe (and the handler part of LifecycleHandler). */
export interface ProbeSpec {
  exec?: { command?: string[] };
  httpGet?: {
    path?: string;
    port: number | string;
    host?: string;
    scheme?: string;
    httpHeaders?: { name: string; value: string }[];
  };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string };
  sleep?: { seconds: number };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

/** What a probe is run against. */
export interface ProbeTarget {
  podIP: string;
  /** Named container ports. */
  ports: Record<string, number>;
  exec(command: string[], opts: { timeoutMs: number }): Promise<ExecResult>;
}

function portOf(port: number | string, target: ProbeTarget): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return target.ports[port];
}

/** Runs one probe (or lifecycle handler); true on success. */
export async function runProbe(
  probe: ProbeSpec,
  target: ProbeTarget,
  timeoutMs: number,
  sleep?: (ms: number) => Promise<void>,
): Promise<boolean> {
  if (probe.exec) {
    const r = await target.exec(probe.exec.command ?? [], { timeoutMs });
    return r.exitCode === 0;
  }
  if (probe.httpGet) {
    const port = portOf(probe.httpGet.port, target);
    if (port === undefined) return false;
    const https = (probe.httpGet.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
    const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.33', Accept: '*/*' };
    for (const h of probe.httpGet.httpHeaders ?? []) headers[h.name] = h.value;
    return new Promise<boolean>((resolve) => {
      const req = (https ? httpsRequest : httpRequest)(
        {
          host: probe.httpGet?.host || target.podIP,
          port,
          path: probe.httpGet?.path || '/',
          method: 'GET',
          headers,
          timeout: timeoutMs,
          ...(https ? { rejectUnauthorized: false } : {}),
        },
        (res) => {
          res.resume();
          const code = res.statusCode ?? 0;
          resolve(code >= 200 && code < 400);
        },
      );
      req.on('timeout', () => {
        req.destroy();
        resolve(false);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
  }
  if (probe.tcpSocket || probe.grpc) {
    // a gRPC health check is reduced to a TCP connect: no gRPC client here
    const port = probe.tcpSocket ? portOf(probe.tcpSocket.port, target) : probe.grpc?.port;
    if (port === undefined) return false;
    return new Promise<boolean>((resolve) => {
      const socket = connect({ host: probe.tcpSocket?.host || target.podIP, port, timeout: timeoutMs });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(false));
    });
  }
  if (probe.sleep && sleep) {
    await sleep(probe.sleep.seconds * 1000);
    return true;
  }
  return true;
}
