/**
 * `opkit bundle validate`: the checks operator-sdk's `bundle validate` runs by default on a registry+v1
 * bundle (operator-framework/api pkg/validation/internal: bundle.go, csv.go, good_practices.go, and
 * operator-registry's annotations checks), on the files of a bundle directory.
 */
import { parseAllDocuments } from 'yaml';

/** One problem found; `file` is relative to the bundle directory. */
export interface BundleFinding {
  file?: string;
  message: string;
}

/** Errors make the bundle unusable; warnings are good-practice advice. */
export interface BundleValidationResult {
  errors: BundleFinding[];
  warnings: BundleFinding[];
}

type Obj = Record<string, unknown>;

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const semver = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

// Kinds a registry+v1 bundle may carry (operator-registry pkg/lib/bundle supported_resources.go).
const supportedKinds = new Set([
  'ClusterServiceVersion',
  'CustomResourceDefinition',
  'Secret',
  'ClusterRole',
  'ClusterRoleBinding',
  'ConfigMap',
  'ServiceAccount',
  'Service',
  'Role',
  'RoleBinding',
  'PrometheusRule',
  'ServiceMonitor',
  'PodDisruptionBudget',
  'PriorityClass',
  'VerticalPodAutoscaler',
  'ConsoleYAMLSample',
  'ConsoleQuickStart',
  'ConsoleCLIDownload',
  'ConsoleLink',
  'NetworkPolicy',
]);

const installModeTypes = ['OwnNamespace', 'SingleNamespace', 'MultiNamespace', 'AllNamespaces'];

function obj(value: unknown): Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Checks `{operator name}.(v)X.Y.Z` as csv.go's parseCSVNameFormat does. */
function csvNameProblem(name: string): string | undefined {
  if (!dns1123Subdomain.test(name) || name.length > 253) return `"${name}" is not a DNS-1123 subdomain`;
  const dot = name.indexOf('.');
  if (dot < 0) return `"${name}" must have format: {operator name}.(v)X.Y.Z`;
  const version = name.slice(dot + 1).replace(/^v+/, '');
  if (!semver.test(version)) return `"${name}" contains an invalid semver "${name.slice(dot + 1)}"`;
  return undefined;
}

/**
 * Validates the files of a bundle directory.
 * @param files path relative to the bundle directory (e.g. `manifests/x.clusterserviceversion.yaml`) → text.
 */
export function validateBundle(files: ReadonlyMap<string, string>): BundleValidationResult {
  const errors: BundleFinding[] = [];
  const warnings: BundleFinding[] = [];
  const error = (message: string, file?: string) => errors.push(file ? { file, message } : { message });
  const warn = (message: string, file?: string) => warnings.push(file ? { file, message } : { message });

  // metadata/annotations.yaml
  const annotationsFile = 'metadata/annotations.yaml';
  const annotationsText = files.get(annotationsFile);
  if (annotationsText === undefined) error('could not find the bundle annotations file', annotationsFile);
  else {
    const parsed = parseYaml(annotationsText, annotationsFile, error)[0];
    const annotations = obj(obj(parsed).annotations);
    const need = (key: string, expected?: string) => {
      const value = str(annotations[key]);
      if (!value) error(`the annotation "${key}" is missing`, annotationsFile);
      else if (expected !== undefined && value !== expected)
        error(`the annotation "${key}" must be "${expected}", got "${value}"`, annotationsFile);
      return value;
    };
    need('operators.operatorframework.io.bundle.mediatype.v1', 'registry+v1');
    need('operators.operatorframework.io.bundle.manifests.v1', 'manifests/');
    need('operators.operatorframework.io.bundle.metadata.v1', 'metadata/');
    need('operators.operatorframework.io.bundle.package.v1');
    const channels = need('operators.operatorframework.io.bundle.channels.v1')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    const defaultChannel = str(annotations['operators.operatorframework.io.bundle.channel.default.v1']);
    if (defaultChannel && !channels.includes(defaultChannel)) {
      error(
        `the default channel "${defaultChannel}" is not one of the channels ${JSON.stringify(channels)}`,
        annotationsFile,
      );
    }
    const nonConventional = [...new Set([...channels, defaultChannel])].filter(
      (c) => c && !/^(candidate|stable|fast)/.test(c),
    );
    if (nonConventional.length > 0) {
      warn(
        `channel(s) ${JSON.stringify(nonConventional)} are not following the recommended naming convention: https://olm.operatorframework.io/docs/best-practices/channel-naming`,
        annotationsFile,
      );
    }
  }

  // manifests/
  const csvs: Array<{ file: string; csv: Obj }> = [];
  const crds: Array<{ file: string; crd: Obj }> = [];
  const manifestPaths = [...files.keys()].filter((p) => p.startsWith('manifests/')).sort();
  if (manifestPaths.length === 0)
    error('the bundle has no manifests/ directory or it is empty', 'manifests/');
  for (const file of manifestPaths) {
    if (!/\.(ya?ml|json)$/.test(file)) {
      warn('not a YAML or JSON file: ignored', file);
      continue;
    }
    for (const doc of parseYaml(files.get(file)!, file, error)) {
      const o = obj(doc);
      const kind = str(o.kind);
      if (!kind || !str(o.apiVersion)) {
        error('not a Kubernetes object (needs apiVersion and kind)', file);
        continue;
      }
      if (!supportedKinds.has(kind)) error(`${kind} is not a supported type for a registry+v1 bundle`, file);
      if (kind === 'ClusterServiceVersion') csvs.push({ file, csv: o });
      if (kind === 'CustomResourceDefinition') crds.push({ file, crd: o });
    }
  }
  if (csvs.length !== 1) {
    error(
      csvs.length === 0
        ? 'the bundle has no ClusterServiceVersion'
        : `the bundle has ${csvs.length} ClusterServiceVersions, it must have exactly one`,
    );
  }

  // CRDs
  const bundleKeys = new Map<string, string>();
  for (const { file, crd } of crds) {
    if (crd.apiVersion !== 'apiextensions.k8s.io/v1')
      error(
        `CRD apiVersion ${str(crd.apiVersion)} is not served since Kubernetes 1.22: use apiextensions.k8s.io/v1`,
        file,
      );
    const spec = obj(crd.spec);
    const names = obj(spec.names);
    const group = str(spec.group);
    const expectedName = `${str(names.plural)}.${group}`;
    if (str(obj(crd.metadata).name) !== expectedName)
      error(`CRD metadata.name must be spec.names.plural+"."+spec.group (${expectedName})`, file);
    const versions = arr(spec.versions).map(obj);
    if (versions.length === 0) error('CRD has no versions', file);
    if (versions.filter((v) => v.storage === true).length !== 1)
      error('CRD must have exactly one version marked as storage version', file);
    for (const v of versions) {
      if (!obj(v.schema).openAPIV3Schema)
        error(`CRD version ${str(v.name)} has no schema.openAPIV3Schema`, file);
      const key = `${group}/${str(v.name)}, Kind=${str(names.kind)}`;
      if (bundleKeys.has(key)) error(`duplicate CRD "${key}" in bundle`, file);
      bundleKeys.set(key, file);
    }
  }

  // CSV
  const entry = csvs[0];
  if (entry) {
    const { file, csv } = entry;
    const meta = obj(csv.metadata);
    const spec = obj(csv.spec);
    const name = str(meta.name);
    const nameProblem = csvNameProblem(name);
    if (nameProblem) error(`metadata.name ${nameProblem}`, file);
    if (spec.replaces !== undefined) {
      const p = csvNameProblem(str(spec.replaces));
      if (p) error(`spec.replaces ${p}`, file);
    }
    const version = str(spec.version);
    if (!semver.test(version)) error(`spec.version "${version}" is not semver`, file);
    else if (!nameProblem && name.slice(name.indexOf('.') + 1).replace(/^v+/, '') !== version)
      warn(`metadata.name ${name} does not end in spec.version ${version}`, file);
    if (!spec.minKubeVersion)
      warn(
        'csv.Spec.minKubeVersion is not informed: the operator may be installed on a Kubernetes it does not support',
        file,
      );
    else if (!semver.test(str(spec.minKubeVersion)))
      error(`spec.minKubeVersion "${str(spec.minKubeVersion)}" is not semver`, file);
    for (const field of [
      'displayName',
      'description',
      'provider',
      'maintainers',
      'links',
      'keywords',
      'maturity',
      'icon',
    ]) {
      const value = spec[field];
      if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0))
        warn(`spec.${field} is empty`, file);
    }

    // install modes (csv.go validateInstallModes)
    const modes = arr(spec.installModes).map(obj);
    if (modes.length === 0) error('install modes not found', file);
    else {
      const seen = new Set<string>();
      for (const m of modes) {
        const type = str(m.type);
        if (!installModeTypes.includes(type))
          error(`install mode type "${type}" is not one of ${installModeTypes.join(', ')}`, file);
        if (seen.has(type)) error('duplicate install modes present', file);
        seen.add(type);
      }
      if (!modes.some((m) => m.supported === true)) error('none of InstallModeTypes are supported', file);
    }

    // install strategy
    const install = obj(spec.install);
    if (install.strategy !== 'deployment')
      error(`spec.install.strategy must be "deployment", got "${str(install.strategy)}"`, file);
    const deployments = arr(obj(install.spec).deployments).map(obj);
    if (deployments.length === 0) error('unable to find a deployment to install in the CSV', file);
    const serviceAccounts = new Set<string>();
    for (const d of deployments) {
      const podSpec = obj(obj(obj(d.spec).template).spec);
      serviceAccounts.add(str(podSpec.serviceAccountName) || 'default');
      for (const c of arr(podSpec.containers).map(obj)) {
        const requests = obj(obj(c.resources).requests);
        if (!requests.cpu || !requests.memory) {
          warn(
            `unable to find the resource requests for the container: (${str(c.name)}). It is recommended to ensure the resource request for CPU and Memory`,
            file,
          );
        }
      }
    }
    for (const key of ['permissions', 'clusterPermissions']) {
      for (const p of arr(obj(install.spec)[key]).map(obj)) {
        const sa = str(p.serviceAccountName);
        if (!sa) error(`spec.install.spec.${key}[].serviceAccountName is empty`, file);
        else if (!serviceAccounts.has(sa))
          warn(`${key} are granted to service account "${sa}", which no deployment uses`, file);
      }
    }

    // owned CRDs against the bundle's (bundle.go validateOwnedCRDs)
    const owned = arr(obj(spec.customresourcedefinitions).owned).map(obj);
    const ownedKeys = new Set<string>();
    for (const o of owned) {
      const ownedName = str(o.name);
      const dot = ownedName.indexOf('.');
      if (dot < 0) {
        error(`couldn't parse plural.group from crd name: ${ownedName}`, file);
        continue;
      }
      if (!str(o.description)) warn(`owned CRD ${ownedName} has no description`, file);
      if (!str(o.displayName)) warn(`owned CRD ${ownedName} has no displayName`, file);
      const key = `${ownedName.slice(dot + 1)}/${str(o.version)}, Kind=${str(o.kind)}`;
      ownedKeys.add(key);
      if (!bundleKeys.has(key)) error(`owned CRD "${key}" not found in bundle`, file);
    }
    for (const [key, crdFile] of bundleKeys) {
      if (!ownedKeys.has(key)) warn(`CRD "${key}" is present in bundle but not defined in CSV`, crdFile);
    }

    // alm-examples (csv.go validateExamplesAnnotations)
    const annotations = obj(meta.annotations);
    const examplesText = str(annotations['alm-examples']) || str(annotations['olm.examples']);
    if (Object.keys(annotations).length === 0) warn('annotations not found', file);
    else if (!examplesText) warn('example annotations not found', file);
    else {
      let examples: unknown;
      try {
        examples = JSON.parse(examplesText);
      } catch (err) {
        error(`error decoding example CustomResource: ${(err as Error).message}`, file);
      }
      if (examples !== undefined) {
        const exampleKeys = new Set(
          arr(examples).map((e) => {
            const apiVersion = str(obj(e).apiVersion);
            const slash = apiVersion.indexOf('/');
            return `${slash < 0 ? '' : apiVersion.slice(0, slash)}/${apiVersion.slice(slash + 1)}, Kind=${str(obj(e).kind)}`;
          }),
        );
        for (const k of exampleKeys)
          if (!ownedKeys.has(k)) error(`example must have a provided API: ${k}`, file);
        for (const k of ownedKeys)
          if (!exampleKeys.has(k)) warn(`provided API should have an example annotation: ${k}`, file);
      }
    }
  }
  return { errors, warnings };
}

function parseYaml(text: string, file: string, error: (message: string, file?: string) => void): unknown[] {
  const out: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      error(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, file);
      continue;
    }
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}
