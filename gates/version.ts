// agentgate's version, in the lowest layer that reports it (the gates name their own engine with it);
// the action re-exports it. A test keeps it equal to package.json's.
export const VERSION = '0.1.0';

/** The @cyclonedx/cyclonedx-library that builds the BOM, named as the SBOM gate's engine. A test keeps it in step. */
export const CYCLONEDX_LIBRARY_VERSION = '10.3.0';
