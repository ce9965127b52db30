/**
 * The generators behind `opkit init`, `create api` and `generate …`: pure functions from a project
 * description to files (path + text), so they are tested against golden files; plus the loader that
 * reads a project from disk and the OLM bundle validator.
 */
export { toYaml, kustomization, type GeneratedFile } from './files.js';
export {
  UserInputError,
  domainProblem,
  formatProjectManifest,
  groupProblem,
  kindProblem,
  parseProjectManifest,
  pluralize,
  projectNameProblem,
  qualifiedGroup,
  semverProblem,
  versionProblem,
  type GroupVersionKind,
  type ProjectManifest,
  type ProjectResource,
} from './project.js';
export {
  checkCustomResourceDefinitions,
  crdFiles,
  crdFileName,
  storageVersion,
  type CustomResourceDefinitionDocument,
} from './crd.js';
export {
  deriveRbacRules,
  leaderElectionRules,
  projectLabels,
  rbacFiles,
  rbacNames,
  resourceFor,
  type ControllerRbacDeclaration,
  type KindDeclaration,
  type PolicyRule,
} from './rbac.js';
export {
  managerDeploymentSpec,
  managerFiles,
  managerPorts,
  manifestFiles,
  metricsService,
} from './manifests.js';
export { bundleAnnotations, bundleFiles, clusterServiceVersion, type BundleOptions } from './bundle.js';
export { validateBundle, type BundleFinding, type BundleValidationResult } from './bundle-validation.js';
export {
  checkCreateApiOptions,
  createApiFiles,
  initFiles,
  initialManifest,
  readTemplates,
  renderTemplate,
  templatesRoot,
  type CreateApiOptions,
  type InitOptions,
  type TemplateFile,
} from './scaffold.js';
export {
  loadCustomResourceDefinitions,
  loadProject,
  loadRbacDeclarations,
  readProjectManifest,
  type LoadedProject,
} from './project-loader.js';
export { writeGeneratedFiles } from './write-files.js';
export {
  cliVersion,
  opkitPackageDirs,
  registryDependencies,
  runningSourceCheckout,
  sourceCheckoutProblem,
  sourceDependencies,
  type OpkitDependencies,
} from './opkit-dependencies.js';
