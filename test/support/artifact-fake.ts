// A local fake of GitHub Actions' results service: the artifact half (ArtifactService, for @actions/artifact)
// and the cache half (CacheService v2, for @actions/cache) on one server at ACTIONS_RESULTS_URL, with the
// fake Azure blob endpoint behind their signed URLs. `startArtifactFake` starts both halves.
//
// The modules are in ./results-fake/; this file is the entry the tests import.
export * from './results-fake/index.js';
