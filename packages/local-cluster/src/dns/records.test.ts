import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../api/index.js';
import { DnsRecords } from './index.js';

const pod = (name: string, ip: string, ready: boolean, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', labels: { app: 'db' } },
  spec: { hostname: name, subdomain: 'db', ...extra },
  status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('DnsRecords', () => {
  it('serves Service, headless member and pod names with the search path', () => {
    const services: KubeObject[] = [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'db', namespace: 'ns' },
        spec: { clusterIP: 'None', selector: { app: 'db' } },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'api', namespace: 'ns' },
        spec: { clusterIP: '127.96.0.10', selector: { app: 'api' } },
      },
    ];
    const r = DnsRecords.compute(
      services,
      [pod('db-0', '127.100.0.1', true), pod('db-1', '127.101.0.1', false)],
      'cluster.local',
    );
    expect(r.resolve('db.ns.svc.cluster.local')).toEqual(['127.100.0.1']);
    expect(r.resolve('db-0.db', 'ns')).toEqual(['127.100.0.1']);
    // not ready and not publishNotReadyAddresses: no record (endpoints controller)
    expect(r.resolve('db-1.db.ns.svc.cluster.local')).toEqual([]);
    expect(r.resolve('api', 'ns')).toEqual(['127.96.0.10']);
    expect(r.resolve('api.ns')).toEqual(['127.96.0.10']);
    expect(r.resolve('127-100-0-1.ns.pod.cluster.local')).toEqual(['127.100.0.1']);
    const hosts = r.hostsFile('ns');
    expect(hosts).toContain('127.100.0.1\tdb-0.db.ns.svc.cluster.local\tdb-0.db\tdb-0.db.ns\tdb-0.db.ns.svc');
    expect(hosts).toContain('127.96.0.10\tapi.ns.svc.cluster.local\tapi\tapi.ns\tapi.ns.svc');
    expect(r.hostsFile('other')).not.toMatch(/\tapi\t/);
  });
});
