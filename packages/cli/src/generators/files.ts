/** Generated files as data, so generators stay pure and tests compare them with golden files. */
import { stringify } from 'yaml';

/** A file a generator produces: a path relative to the project root and its text. */
export interface GeneratedFile {
  path: string;
  content: string;
}

/** YAML text for one or more Kubernetes objects (`---` between documents), as kubectl writes it. */
export function toYaml(...documents: unknown[]): string {
  return documents.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

/** A `kustomization.yaml` listing `resources`. */
export function kustomization(resources: string[], extra: Record<string, unknown> = {}): string {
  return toYaml({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    ...extra,
    resources,
  });
}
