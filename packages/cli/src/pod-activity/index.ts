/**
 * One line per change of a pod's state (phase, readiness, restarts), for `opkit cluster start`: so a
 * person watching the terminal sees pods being scheduled, starting and turning Ready as they do.
 */
import type { LocalCluster } from '@opkit/local-cluster';

interface PodStatusView {
  phase?: string;
  conditions?: { type?: string; status?: string }[];
  containerStatuses?: { restartCount?: number; state?: Record<string, { reason?: string } | undefined> }[];
}

/** A short description of a pod's state: `Running, Ready`, `Pending (ContainerCreating)`, ... */
export function describePod(status: PodStatusView | undefined, deleting: boolean): string {
  if (deleting) return 'Terminating';
  const phase = status?.phase ?? 'Pending';
  const ready = status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  const waiting = status?.containerStatuses
    ?.map((c) => c.state?.waiting?.reason)
    .find((r): r is string => typeof r === 'string');
  const restarts = (status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
  const parts = [waiting ? `${phase} (${waiting})` : phase];
  if (phase === 'Running') parts.push(ready ? 'Ready' : 'not Ready');
  if (restarts > 0) parts.push(`${restarts} restart${restarts === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/** Follows every pod of the cluster until `signal` aborts, calling `print` for each state change. */
export async function followPodActivity(
  cluster: LocalCluster,
  print: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const podType = cluster.api.registry.get('', 'v1', 'pods');
  if (!podType) return;
  const last = new Map<string, string>();
  try {
    for await (const event of cluster.api.watch(podType, '', {}, signal)) {
      if (event.type !== 'ADDED' && event.type !== 'MODIFIED' && event.type !== 'DELETED') continue;
      const pod = event.object as {
        metadata?: { namespace?: string; name?: string; deletionTimestamp?: string };
        status?: PodStatusView;
      };
      const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
      const state =
        event.type === 'DELETED'
          ? 'deleted'
          : describePod(pod.status, Boolean(pod.metadata?.deletionTimestamp));
      if (last.get(key) === state) continue;
      if (event.type === 'DELETED') last.delete(key);
      else last.set(key, state);
      print(`pod ${key}: ${state}`);
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}
