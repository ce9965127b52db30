/** `opkit generate crd`: one YAML file per CustomResourceDefinition under config/crd/bases/. */
import { validateCustomResourceDefinition, type KubeObject } from '@opkit/local-cluster';
import { kustomization, toYaml, type GeneratedFile } from './files.js';
import { UserInputError } from './project.js';

/** The fields of an apiextensions.k8s.io/v1 CustomResourceDefinition the generators read. */
export interface CustomResourceDefinitionDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  spec: {
    group: string;
    names: { kind: string; plural: string; [key: string]: unknown };
    scope: string;
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      schema?: { openAPIV3Schema?: { description?: string; [key: string]: unknown } };
      [key: string]: unknown;
    }>;
    [key: string]: unknown;
  };
}

/** `config/crd/bases/<group>_<plural>.yaml`, kubebuilder's naming. */
export function crdFileName(crd: CustomResourceDefinitionDocument): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}

/** The storage version's name. */
export function storageVersion(crd: CustomResourceDefinitionDocument): string {
  return (crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0])?.name ?? '';
}

/**
 * Checks CRDs before anything is written: each an apiextensions.k8s.io/v1 CRD, declared once, and one
 * the API server's own validation accepts (names, versions, a structural schema).
 * @throws UserInputError naming every problem.
 */
export function checkCustomResourceDefinitions(crds: CustomResourceDefinitionDocument[]): void {
  const seen = new Set<string>();
  for (const crd of crds) {
    if (crd.apiVersion !== 'apiextensions.k8s.io/v1' || crd.kind !== 'CustomResourceDefinition') {
      throw new UserInputError(
        `${crd.metadata?.name ?? 'a definition'} is not an apiextensions.k8s.io/v1 CustomResourceDefinition`,
      );
    }
    if (seen.has(crd.metadata.name))
      throw new UserInputError(`two definitions declare the CRD ${crd.metadata.name}`);
    seen.add(crd.metadata.name);
    // A CRD the API server would refuse is never written, so `kubectl apply` is not the first to find out.
    const causes = validateCustomResourceDefinition(crd as unknown as KubeObject);
    if (causes.length > 0) {
      const lines = causes.map(
        (c) => `${c.field ? `${c.field}: ` : ''}${c.message ?? c.reason ?? 'invalid'}`,
      );
      throw new UserInputError(
        `the CRD ${crd.metadata.name} would be refused by the API server:\n  ${lines.join('\n  ')}`,
      );
    }
  }
}

/**
 * The CRD files and `config/crd/kustomization.yaml`, sorted by file name so output is stable.
 * @throws UserInputError as {@link checkCustomResourceDefinitions}.
 */
export function crdFiles(crds: CustomResourceDefinitionDocument[]): GeneratedFile[] {
  checkCustomResourceDefinitions(crds);
  const sorted = [...crds].sort((a, b) => crdFileName(a).localeCompare(crdFileName(b)));
  const files = sorted.map((crd) => ({ path: `config/crd/bases/${crdFileName(crd)}`, content: toYaml(crd) }));
  files.push({
    path: 'config/crd/kustomization.yaml',
    content: kustomization(sorted.map((crd) => `bases/${crdFileName(crd)}`)),
  });
  return files;
}
