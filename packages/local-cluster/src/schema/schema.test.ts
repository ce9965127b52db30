import { describe, it, expect } from '@jest/globals';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  builtinTypes,
  builtinTypeName,
  builtinSchemaSource,
  isUntyped,
  typeAt,
  TypeSet,
  UNTYPED_DEDUCED,
} from './index.js';

describe('builtinTypeName', () => {
  it('maps group/version/kind to schema type names', () => {
    expect(builtinTypeName('apps', 'v1', 'StatefulSet')).toBe('io.k8s.api.apps.v1.StatefulSet');
    expect(builtinTypeName('', 'v1', 'Pod')).toBe('io.k8s.api.core.v1.Pod');
    expect(builtinTypeName('rbac.authorization.k8s.io', 'v1', 'Role')).toBe('io.k8s.api.rbac.v1.Role');
    expect(builtinTypeName('coordination.k8s.io', 'v1', 'Lease')).toBe('io.k8s.api.coordination.v1.Lease');
    expect(builtinTypeName('autoscaling', 'v1', 'Scale')).toBe('io.k8s.api.autoscaling.v1.Scale');
    expect(builtinTypeName('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition')).toBe(
      'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    );
    expect(builtinTypeName('apps', 'v1', 'Nope')).toBeUndefined();
  });

  it('names its source', () => {
    expect(builtinSchemaSource().commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('resolves the data file from src/ and from dist/', () => {
    for (const dir of ['../../src/schema/', '../../dist/schema/']) {
      const url = new URL(`${dir}../../data/builtin-schema.json`, import.meta.url);
      expect(existsSync(fileURLToPath(url))).toBe(true);
    }
  });
});

describe('TypeSet', () => {
  it('resolves named types and looks up fields', () => {
    const sts = builtinTypes.resolve({ namedType: 'io.k8s.api.apps.v1.StatefulSet' });
    expect(sts.map).toBeDefined();
    const spec = builtinTypes.field(sts.map!, 'spec');
    expect(spec?.type.namedType).toBe('io.k8s.api.apps.v1.StatefulSetSpec');
    expect(builtinTypes.field(sts.map!, 'nope')).toBeUndefined();
  });

  it('treats unknown names and the SMD untyped types as untyped', () => {
    expect(builtinTypes.resolve({ namedType: 'no.such.Type' })).toEqual({});
    expect(isUntyped(builtinTypes, { namedType: 'no.such.Type' })).toBe(true);
    expect(isUntyped(builtinTypes, { namedType: UNTYPED_DEDUCED })).toBe(true);
    expect(isUntyped(builtinTypes, { namedType: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString' })).toBe(
      true,
    );
    expect(isUntyped(builtinTypes, { scalar: 'string' })).toBe(false);
  });

  it('works for a hand-made set', () => {
    const set = new TypeSet([{ name: 'T', map: { fields: [{ name: 'a', type: { scalar: 'string' } }] } }]);
    expect(typeAt(set, 'T', ['a'])).toEqual({ scalar: 'string' });
    expect(typeAt(set, 'T', ['b'])).toBeUndefined();
  });
});

describe('typeAt', () => {
  const pod = 'io.k8s.api.core.v1.Pod';
  it('walks maps and lists', () => {
    const containers = typeAt(builtinTypes, pod, ['spec', 'containers']);
    expect(containers?.list?.elementRelationship).toBe('associative');
    expect(containers?.list?.keys).toEqual(['name']);
    const ports = typeAt(builtinTypes, pod, ['spec', 'containers', 0, 'ports']);
    expect(ports?.list?.keys).toEqual(['containerPort', 'protocol']);
    expect(typeAt(builtinTypes, pod, ['spec', 'containers', 0, 'image'])).toEqual({ scalar: 'string' });
    expect(typeAt(builtinTypes, pod, ['metadata', 'labels', 'app'])).toEqual({ scalar: 'string' });
  });

  it('returns undefined off the schema and untyped below untyped', () => {
    expect(typeAt(builtinTypes, pod, ['spec', 'nope'])).toBeUndefined();
    expect(typeAt(builtinTypes, pod, ['spec', 'containers', 0, 'image', 'x'])).toBeUndefined();
    const port = typeAt(builtinTypes, 'io.k8s.api.core.v1.Service', ['spec', 'ports', 0, 'targetPort']);
    expect(port?.scalar).toBe('untyped');
    const crdSchema = typeAt(
      builtinTypes,
      'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
      ['spec', 'versions', 0, 'schema', 'openAPIV3Schema', 'properties', 'spec', 'items', 'anything'],
    );
    expect(crdSchema?.scalar).toBe('untyped');
  });
});
