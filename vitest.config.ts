import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    // It imports its JSON schemas without import attributes, which Node's ESM loader refuses.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
