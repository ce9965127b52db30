import { describe, it, expect } from '@jest/globals';
import { ResourceRegistry, compareKubeVersions, type ResourceType } from './index.js';

function widget(version: string, overrides: Partial<ResourceType> = {}): ResourceType {
  return {
    group: 'opkit.dev',
    version,
    resource: 'widgets',
    singular: 'widget',
    kind: 'Widget',
    listKind: 'WidgetList',
    namespaced: true,
    shortNames: ['wd'],
    categories: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: { status: true },
    custom: true,
    storage: version === 'v1',
    served: true,
    ...overrides,
  };
}

describe('ResourceRegistry', () => {
  it('serves the built-in kinds with upstream discovery facts', () => {
    const r = ResourceRegistry.withBuiltins();
    const pods = r.get('', 'v1', 'pods');
    expect(pods).toMatchObject({
      kind: 'Pod',
      singular: 'pod',
      shortNames: ['po'],
      categories: ['all'],
      namespaced: true,
    });
    expect(pods?.subresources).toEqual({
      status: true,
      log: true,
      exec: true,
      eviction: true,
      binding: true,
    });
    expect(pods?.schemaTypeName).toBe('io.k8s.api.core.v1.Pod');
    const sts = r.byKind('apps', 'v1', 'StatefulSet');
    expect(sts?.resource).toBe('statefulsets');
    expect(sts?.subresources.scale?.specReplicasPath).toBe('.spec.replicas');
    expect(r.get('', 'v1', 'namespaces')?.verbs).not.toContain('deletecollection');
    expect(r.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')?.schemaTypeName).toBe(
      'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    );
    expect(r.get('rbac.authorization.k8s.io', 'v1', 'roles')?.schemaTypeName).toBe('io.k8s.api.rbac.v1.Role');
    expect(r.get('', 'v1', 'nope')).toBeUndefined();
    expect(r.groups().map((g) => g.name)).toEqual([
      'apps',
      'events.k8s.io',
      'authorization.k8s.io',
      'autoscaling',
      'batch',
      'networking.k8s.io',
      'policy',
      'rbac.authorization.k8s.io',
      'storage.k8s.io',
      'apiextensions.k8s.io',
      'scheduling.k8s.io',
      'coordination.k8s.io',
      'discovery.k8s.io',
    ]);
  });

  it('adds, replaces and removes custom resources and notifies listeners', () => {
    const r = ResourceRegistry.withBuiltins();
    let calls = 0;
    const stop = r.onChange(() => calls++);
    r.add(widget('v1alpha1'));
    r.add(widget('v1'));
    r.add(widget('v1beta2', { served: false }));
    expect(calls).toBe(3);
    expect(r.groups().at(-1)).toEqual({
      name: 'opkit.dev',
      versions: ['v1', 'v1alpha1'],
      preferredVersion: 'v1',
    });
    expect(r.get('opkit.dev', 'v1beta2', 'widgets')).toBeUndefined();
    r.add(widget('v1', { shortNames: ['w'] }));
    expect(r.byKind('opkit.dev', 'v1', 'Widget')?.shortNames).toEqual(['w']);
    expect(r.all().filter((t) => t.custom)).toHaveLength(2);
    r.removeGroupResource('opkit.dev', 'widgets');
    expect(r.get('opkit.dev', 'v1', 'widgets')).toBeUndefined();
    expect(r.byKind('opkit.dev', 'v1', 'Widget')).toBeUndefined();
    expect(calls).toBe(5);
    stop();
    r.add(widget('v1'));
    expect(calls).toBe(5);
  });

  it('orders versions as kube-aware version strings', () => {
    expect(['v1alpha1', 'foo', 'v2beta1', 'v1', 'v2', 'v1beta1', 'v10'].sort(compareKubeVersions)).toEqual([
      'v10',
      'v2',
      'v1',
      'v2beta1',
      'v1beta1',
      'v1alpha1',
      'foo',
    ]);
  });
});
