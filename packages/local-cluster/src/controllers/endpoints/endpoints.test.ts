import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../api/index.js';
import { startTestCluster, type TestCluster } from '../controller-test-support.js';

let c: TestCluster;
beforeEach(async () => {
  c = await startTestCluster({ controllers: ['endpoints', 'endpointslice', 'service-ip'] });
});
afterEach(async () => {
  await c.stop();
});

const svcType = (): ReturnType<TestCluster['type']> => c.type('', 'v1', 'services');
const podType = (): ReturnType<TestCluster['type']> => c.type('', 'v1', 'pods');

async function pod(name: string, opts: { hostname?: string; subdomain?: string } = {}): Promise<void> {
  await c.core.create(podType(), 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'db' } },
    spec: {
      ...opts,
      containers: [{ name: 'm', image: 'db', ports: [{ name: 'client', containerPort: 2379 }] }],
    },
  });
}

function service(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { tier: 'data' } },
    spec: { selector: { app: 'db' }, ports: [{ name: 'client', port: 80, targetPort: 'client' }], ...spec },
  };
}

describe('Endpoints and EndpointSlices', () => {
  it('lists Ready pods as addresses and the rest as notReadyAddresses, resolving named target ports', async () => {
    await pod('db-0', { hostname: 'db-0', subdomain: 'db' });
    await pod('db-1', { hostname: 'db-1', subdomain: 'other' });
    await pod('db-2'); // no IP yet: left out
    await c.setPod('db-0', {});
    await c.setPod('db-1', { ready: false });
    await c.core.create(svcType(), 'default', service('db', {}));
    await c.settle();
    const ep = await c.core.get(c.type('', 'v1', 'endpoints'), 'default', 'db');
    const subsets = ep.subsets as {
      addresses: { ip: string; hostname?: string; targetRef: { name: string } }[];
      notReadyAddresses: { hostname?: string; targetRef: { name: string } }[];
      ports: unknown[];
    }[];
    expect(subsets).toHaveLength(1);
    expect(subsets[0]?.addresses.map((a) => [a.targetRef.name, a.hostname])).toEqual([['db-0', 'db-0']]);
    expect(subsets[0]?.notReadyAddresses.map((a) => [a.targetRef.name, a.hostname])).toEqual([
      ['db-1', undefined],
    ]);
    expect(subsets[0]?.ports).toEqual([{ name: 'client', port: 2379, protocol: 'TCP' }]);
    expect(ep.metadata.labels).toEqual({ tier: 'data' });

    const slices = (await c.core.list(c.type('discovery.k8s.io', 'v1', 'endpointslices'), 'default')).items;
    expect(slices).toHaveLength(1);
    const slice = slices[0] as KubeObject;
    expect(slice.metadata.labels).toMatchObject({
      'kubernetes.io/service-name': 'db',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: 'client', port: 2379, protocol: 'TCP' }]);
    const endpoints = slice.endpoints as {
      conditions: { ready: boolean };
      hostname?: string;
      targetRef: { name: string };
    }[];
    expect(endpoints.map((e) => [e.targetRef.name, e.conditions.ready, e.hostname])).toEqual([
      ['db-0', true, 'db-0'],
      ['db-1', false, undefined],
    ]);
  });

  it('headless with publishNotReadyAddresses lists every pod with an IP as ready', async () => {
    await pod('db-0', { hostname: 'db-0', subdomain: 'db' });
    await pod('db-1', { hostname: 'db-1', subdomain: 'db' });
    await c.setPod('db-0', { ready: false });
    await c.setPod('db-1', { ready: false, phase: 'Pending' });
    await c.core.create(
      svcType(),
      'default',
      service('db', { clusterIP: 'None', publishNotReadyAddresses: true }),
    );
    await c.settle();
    const ep = await c.core.get(c.type('', 'v1', 'endpoints'), 'default', 'db');
    const subsets = ep.subsets as { addresses: { hostname: string }[]; notReadyAddresses?: unknown[] }[];
    expect(subsets[0]?.addresses.map((a) => a.hostname).sort()).toEqual(['db-0', 'db-1']);
    expect(subsets[0]?.notReadyAddresses).toBeUndefined();
    expect(ep.metadata.labels?.['service.kubernetes.io/headless']).toBe('');
    const [slice] = (await c.core.list(c.type('discovery.k8s.io', 'v1', 'endpointslices'), 'default')).items;
    const endpoints = (slice?.endpoints ?? []) as { conditions: { ready: boolean; serving: boolean } }[];
    expect(endpoints.map((e) => e.conditions.ready)).toEqual([true, true]);
    expect(endpoints.map((e) => e.conditions.serving)).toEqual([false, false]);
    // the headless Service keeps clusterIP None
    expect(((await c.core.get(svcType(), 'default', 'db')).spec as { clusterIP: string }).clusterIP).toBe(
      'None',
    );
  });

  it('follows pod changes and deletes Endpoints with their Service', async () => {
    await c.core.create(svcType(), 'default', service('db', {}));
    await pod('db-0');
    await c.settle();
    const epType = c.type('', 'v1', 'endpoints');
    expect((await c.core.get(epType, 'default', 'db')).subsets).toBeUndefined();
    await c.setPod('db-0', {});
    await c.settle();
    expect(((await c.core.get(epType, 'default', 'db')).subsets as unknown[]).length).toBe(1);
    await c.core.delete(svcType(), 'default', 'db');
    await c.settle();
    await expect(c.core.get(epType, 'default', 'db')).rejects.toMatchObject({ code: 404 });
    expect((await c.core.list(c.type('discovery.k8s.io', 'v1', 'endpointslices'), 'default')).items).toEqual(
      [],
    );
  });

  it('allocates distinct loopback clusterIPs to non-headless Services', async () => {
    await c.core.create(svcType(), 'default', service('a', {}));
    await c.core.create(svcType(), 'default', service('b', {}));
    await c.settle();
    const a = (await c.core.get(svcType(), 'default', 'a')).spec as {
      clusterIP: string;
      clusterIPs: string[];
    };
    const b = (await c.core.get(svcType(), 'default', 'b')).spec as { clusterIP: string };
    expect(a.clusterIP).toMatch(/^127\.96\.\d+\.\d+$/);
    expect(a.clusterIPs).toEqual([a.clusterIP]);
    expect(b.clusterIP).not.toBe(a.clusterIP);
  });
});
