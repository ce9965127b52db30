import { describe, it, expect } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';
import {
  bundleFiles,
  crdFiles,
  deriveRbacRules,
  manifestFiles,
  rbacFiles,
  UserInputError,
  validateBundle,
  type GeneratedFile,
} from '../src/generators/index.js';
import { expectGolden } from './golden.js';
import { crds, project, rbac } from './fixtures.js';

function bundleDir(files: GeneratedFile[]): Map<string, string> {
  return new Map(
    files.filter((f) => f.path.startsWith('bundle/')).map((f) => [f.path.slice('bundle/'.length), f.content]),
  );
}

describe('generate crd', () => {
  it('writes one file per CRD and a kustomization', async () => {
    await expectGolden('crd', crdFiles(crds));
  });
  it('refuses two definitions of one CRD', () => {
    expect(() => crdFiles([crds[0]!, crds[0]!])).toThrow(UserInputError);
  });
});

describe('generate rbac', () => {
  it('derives least-privilege rules, no wildcards', async () => {
    const files = rbacFiles(project, rbac);
    await expectGolden('rbac-cluster', files);
    const role = parse(files.find((f) => f.path === 'config/rbac/role.yaml')!.content) as {
      kind: string;
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    expect(role.kind).toBe('ClusterRole');
    expect(JSON.stringify(role.rules)).not.toContain('*');
    expect(role.rules).toContainEqual({
      apiGroups: ['etcd.example.com'],
      resources: ['etcdclusters/finalizers'],
      verbs: ['update'],
    });
    expect(role.rules).toContainEqual({
      apiGroups: ['policy'],
      resources: ['poddisruptionbudgets'],
      verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
    });
  });
  it('uses a Role when the operator watches only its namespace', async () => {
    await expectGolden('rbac-namespace', rbacFiles({ ...project, operatorScope: 'namespace' }, rbac));
  });
  it('merges verbs across controllers and refuses wildcards', () => {
    const rules = deriveRbacRules([
      {
        for: { group: 'a.io', version: 'v1', kind: 'Foo' },
        watches: [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
      },
      {
        for: { group: 'a.io', version: 'v1', kind: 'Bar' },
        owns: [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
      },
    ]);
    expect(rules.filter((r) => r.resources.includes('deployments'))).toEqual([
      {
        apiGroups: ['apps'],
        resources: ['deployments'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
      },
    ]);
    expect(() =>
      deriveRbacRules([
        {
          for: { group: 'a.io', version: 'v1', kind: 'Foo' },
          rules: [{ apiGroups: ['*'], resources: ['pods'], verbs: ['get'] }],
        },
      ]),
    ).toThrow(/wildcard/);
  });
});

describe('generate manifests', () => {
  it('writes CRDs, RBAC, the manager and kustomizations', async () => {
    const files = manifestFiles(project, crds, rbac);
    await expectGolden('manifests', files);
    const deployment = parse(files.find((f) => f.path === 'config/manager/manager.yaml')!.content) as {
      spec: {
        replicas: number;
        template: {
          spec: {
            securityContext: unknown;
            containers: { args: string[]; securityContext: unknown; livenessProbe: unknown }[];
          };
        };
      };
    };
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0]!.args).toContain('--leader-elect');
    expect(pod.containers[0]!.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      allowPrivilegeEscalation: false,
    });
    for (const f of files) for (const doc of parseAllDocuments(f.content)) expect(doc.errors).toEqual([]);
  });
});

describe('generate bundle and bundle validate', () => {
  it('writes a registry+v1 bundle that validates without errors or warnings', async () => {
    const files = bundleFiles(project, crds, rbac, { channels: ['stable'] });
    await expectGolden('bundle', files);
    expect(validateBundle(bundleDir(files))).toEqual({ errors: [], warnings: [] });
  });

  it('puts manager rules in permissions for a namespace-scoped operator', () => {
    const files = bundleFiles({ ...project, operatorScope: 'namespace' }, crds, rbac);
    const csv = parse(files[0]!.content) as {
      spec: {
        installModes: { type: string; supported: boolean }[];
        install: { spec: Record<string, unknown> };
      };
    };
    expect(csv.spec.install.spec.clusterPermissions).toBeUndefined();
    expect(csv.spec.installModes.filter((m) => m.supported).map((m) => m.type)).toEqual(['OwnNamespace']);
    expect(validateBundle(bundleDir(files)).errors).toEqual([]);
  });

  it('finds what operator-sdk bundle validate finds', () => {
    const files = bundleDir(bundleFiles(project, crds, rbac, { channels: ['alpha'] }));
    const csvPath = [...files.keys()].find((p) => p.endsWith('.clusterserviceversion.yaml'))!;
    const csv = parse(files.get(csvPath)!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    csv.metadata.name = 'etcd-operator.vbad';
    csv.spec.installModes = csv.spec.installModes.map((m: object) => ({ ...m, supported: false }));
    csv.spec.customresourcedefinitions.owned.push({
      name: 'backups.etcd.example.com',
      version: 'v1',
      kind: 'Backup',
    });
    csv.metadata.annotations['alm-examples'] = '[{"apiVersion":"other.io/v1","kind":"X"}]';
    files.set(csvPath, JSON.stringify(csv));
    files.set('manifests/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n');
    files.set(
      'metadata/annotations.yaml',
      'annotations:\n  operators.operatorframework.io.bundle.mediatype.v1: helm\n  operators.operatorframework.io.bundle.channels.v1: alpha\n  operators.operatorframework.io.bundle.channel.default.v1: beta\n',
    );
    const { errors, warnings } = validateBundle(files);
    const messages = errors.map((e) => e.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"etcd-operator.vbad" contains an invalid semver'),
        'none of InstallModeTypes are supported',
        'owned CRD "etcd.example.com/v1, Kind=Backup" not found in bundle',
        'example must have a provided API: other.io/v1, Kind=X',
        'Deployment is not a supported type for a registry+v1 bundle',
        'the annotation "operators.operatorframework.io.bundle.mediatype.v1" must be "registry+v1", got "helm"',
        'the annotation "operators.operatorframework.io.bundle.package.v1" is missing',
        'the default channel "beta" is not one of the channels ["alpha"]',
      ]),
    );
    expect(warnings.map((w) => w.message)).toEqual(
      expect.arrayContaining([expect.stringContaining('recommended naming convention')]),
    );
  });

  it('reports a missing CSV and annotations', () => {
    const { errors } = validateBundle(new Map());
    expect(errors.map((e) => e.message)).toEqual([
      'could not find the bundle annotations file',
      'the bundle has no manifests/ directory or it is empty',
      'the bundle has no ClusterServiceVersion',
    ]);
  });
});
