/** `opkit generate crd`: one YAML file per CustomResourceDefinition under config/crd/bases/. */
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
    versions: Array<{ name: string; served: boolean; storage: boolean; schema?: { openAPIV3Schema?: { description?: string; [key: string]: unknown } }; [key: string]: unknown }>;
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

/** The CRD files and `config/crd/kustomization.yaml`, sorted by file name so output is stable. */
export function crdFiles(crds: CustomResourceDefinitionDocument[]): GeneratedFile[] {
  const seen = new Map<string, string>();
  for (const crd of crds) {
    if (crd.apiVersion !== 'apiextensions.k8s.io/v1' || crd.kind !== 'CustomResourceDefinition') {
      throw new UserInputError(`${crd.metadata?.name ?? 'a definition'} is not an apiextensions.k8s.io/v1 CustomResourceDefinition`);
    }
    const previous = seen.get(crd.metadata.name);
    if (previous !== undefined) throw new UserInputError(`two definitions declare the CRD ${crd.metadata.name}`);
    seen.set(crd.metadata.name, crd.metadata.name);
  }
  const sorted = [...crds].sort((a, b) => crdFileName(a).localeCompare(crdFileName(b)));
  const files = sorted.map((crd) => ({ path: `config/crd/bases/${crdFileName(crd)}`, content: toYaml(crd) }));
  files.push({ path: 'config/crd/kustomization.yaml', content: kustomization(sorted.map((crd) => `bases/${crdFileName(crd)}`)) });
  return files;
}
