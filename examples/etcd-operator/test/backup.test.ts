import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { invalidSpecReason, type EtcdCluster } from '../src/api/index.js';
import { nextBackupTime, parseCron, pruneSnapshots, snapshotName } from '../src/backup/index.js';
import { etcdGroupSpec, restoreScript } from '../src/manifests/index.js';

const at = (iso: string) => new Date(iso);

describe('cron schedules', () => {
  it('finds the next firing in UTC', () => {
    expect(parseCron('0 */6 * * *')(at('2026-03-01T05:59:30Z')).toISOString()).toBe(
      '2026-03-01T06:00:00.000Z',
    );
    expect(parseCron('*/15 * * * *')(at('2026-03-01T06:00:00Z')).toISOString()).toBe(
      '2026-03-01T06:15:00.000Z',
    );
    expect(parseCron('30 2 * * 1-5')(at('2026-03-06T03:00:00Z')).toISOString()).toBe(
      '2026-03-09T02:30:00.000Z',
    ); // Fri → Mon
    expect(parseCron('@daily')(at('2026-12-31T23:59:00Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(parseCron('0 0 1 1 *')(at('2026-01-01T00:00:00Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
  it('refuses what it does not understand', () => {
    expect(() => parseCron('0 0 * *')).toThrow(/5 fields/);
    expect(() => parseCron('61 * * * *')).toThrow(/out of range/);
    expect(() => parseCron('0 0 30 2 *')(at('2026-01-01T00:00:00Z'))).toThrow(/never fires/);
  });
  it('counts from the last backup, else from the creation', () => {
    const c = {
      metadata: { creationTimestamp: '2026-03-01T00:10:00Z' },
      spec: { backup: { schedule: '0 * * * *', claimName: 'b' } },
    } as unknown as EtcdCluster;
    expect(nextBackupTime(c)?.toISOString()).toBe('2026-03-01T01:00:00.000Z');
    const later = {
      ...c,
      status: { lastBackup: { time: '2026-03-01T05:00:00Z', file: 'x', succeeded: true } },
    } as EtcdCluster;
    expect(nextBackupTime(later)?.toISOString()).toBe('2026-03-01T06:00:00.000Z');
  });
});

describe('snapshot files', () => {
  it('keeps the newest `retention` snapshots of the cluster, nothing else', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'etcd-backups-'));
    try {
      const names = ['2026-03-01T00:00:00.001Z', '2026-03-01T01:00:00Z', '2026-03-01T02:00:00Z'].map((t) =>
        snapshotName('main', at(t)),
      );
      expect(names[0]).toBe('main-20260301T000000001Z.db');
      for (const n of [...names, 'other-20260301T000000000Z.db', 'main-20260301T030000000Z.db.part'])
        writeFileSync(path.join(dir, n), 'x');
      expect(await pruneSnapshots(dir, 'main', 2)).toEqual([names[0]]);
      expect(readdirSync(dir).sort()).toEqual(
        [...names.slice(1), 'main-20260301T030000000Z.db.part', 'other-20260301T000000000Z.db'].sort(),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('restore and spec checks', () => {
  const cluster = {
    apiVersion: 'etcd.opkit.dev/v1alpha1',
    kind: 'EtcdCluster',
    metadata: { name: 'r', namespace: 'ns', uid: 'abcdef012345' },
    spec: { size: 3, restoreFrom: { claimName: 'backups', file: 'main/main-1.db' } },
  } as EtcdCluster;
  it('restores only into an empty data directory, then execs etcd with its arguments', () => {
    const script = restoreScript(cluster);
    expect(script).toContain('[ ! -d /var/lib/etcd/data ]');
    expect(script).toContain('etcdctl snapshot restore "/var/lib/etcd-restore/$RESTORE_FROM"');
    expect(script).toContain('--initial-advertise-peer-urls "http://$POD_NAME.r.ns.svc.cluster.local:2380"');
    expect(script.split('\n').at(-1)).toBe('exec etcd "$@"');
    const set = etcdGroupSpec(cluster, {
      initialCluster: 'x',
      state: 'new',
      token: 't',
      restoreFrom: 'main/main-1.db',
    }).sets[0]!;
    expect(set.command?.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(set.volumes).toContainEqual({
      name: 'restore',
      persistentVolumeClaim: { claimName: 'backups', readOnly: true },
    });
  });
  it('refuses versions before 3.4, downgrades and skipped minor versions', () => {
    expect(invalidSpecReason({ spec: { version: '3.3.27' } } as EtcdCluster)).toMatch(/3\.4 or later/);
    expect(
      invalidSpecReason({ spec: { version: '3.4.30' }, status: { currentVersion: '3.5.1' } } as EtcdCluster),
    ).toMatch(/downgraded/);
    expect(
      invalidSpecReason({ spec: { version: '3.6.0' }, status: { currentVersion: '3.4.23' } } as EtcdCluster),
    ).toMatch(/one minor version at a time/);
    expect(
      invalidSpecReason({ spec: { version: '3.5.0' }, status: { currentVersion: '3.4.23' } } as EtcdCluster),
    ).toBeUndefined();
  });
});
