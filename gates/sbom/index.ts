// The SBOM gate's library: read lockfiles and manifests, build and validate a CycloneDX 1.6 BOM, and
// compute the dependency delta between two trees.

export type { BomMeta } from './bom.js';
export {
  buildBom,
  CYCLONEDX_LIBRARY_VERSION,
  DIRECT_PROPERTY,
  RANGE_PROPERTY,
  SOURCE_PROPERTY,
  validateBom,
} from './bom.js';
export type { ChangeKind, ClassifiedChange, ClassifiedDelta, DeltaSide } from './delta.js';
export { dependencyDelta } from './delta.js';
export type { DependencyRead, Located, RangedDependency } from './lockfiles.js';
export {
  collectDependencies,
  DEPENDENCY_FILE_PATHSPECS,
  DependencyFileError,
  isDependencyFile,
  parseDependencyFile,
  readDependencies,
} from './lockfiles.js';
export { compareVersions } from './versions.js';
