// The policy language's constants: what the evaluator, the gates and the schema share without the schema
// itself (zod), so that reading them costs nothing.

/** Rule ids the evaluator and the agent use for decisions no policy rule made. A policy may not use them. */
export const DEFAULT_DENY_RULE = 'default-deny';
export const COMMAND_UNPARSEABLE_RULE = 'command-unparseable';
export const PATH_CONTAINMENT_RULE = 'path-containment';
export const RESERVED_RULE_IDS: readonly string[] = [
  DEFAULT_DENY_RULE,
  COMMAND_UNPARSEABLE_RULE,
  PATH_CONTAINMENT_RULE,
  'unknown-tool',
];

export const SANDBOX_MODES = ['bubblewrap', 'none'] as const;

/** Options every path glob is matched with; `dot` so that `**` covers `.github/...` and `.env`. */
export const GLOB_OPTIONS = { dot: true } as const;

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;

/** Defaults for the `gates` section; each is what a security team would start from. */
export const GATE_DEFAULTS = {
  blockOn: ['critical', 'high'] as (typeof SEVERITIES)[number][],
  timeoutSeconds: 300,
  minAgeDays: 3,
  minWeeklyDownloads: 50,
  licenses: [
    'MIT',
    'MIT-0',
    'ISC',
    'BSD-2-Clause',
    'BSD-3-Clause',
    '0BSD',
    'Apache-2.0',
    'Unlicense',
    'CC0-1.0',
    'CC-BY-3.0',
    'CC-BY-4.0',
    'Zlib',
    'BlueOak-1.0.0',
    'Python-2.0',
    'PSF-2.0',
    'MPL-2.0',
  ],
  registries: {
    npm: 'https://registry.npmjs.org',
    npmDownloads: 'https://api.npmjs.org',
    pypi: 'https://pypi.org',
    crates: 'https://crates.io',
    go: 'https://proxy.golang.org',
    npmAdvisories: 'https://registry.npmjs.org',
    osv: 'https://api.osv.dev',
  },
  maxFiles: 50,
  maxChangedLines: 2000,
  approvalLabels: ['agentgate:approved'],
};

/** What the action does with the agent's work once the gates have judged it. */
export const ON_GATE_FAILURE = ['no-pr', 'draft-pr'] as const;

/**
 * What protected-path changes in commits people pushed (not the agent's) do in gate mode: `review`
 * reports them for a person to look at without blocking; `block` treats them as the agent's.
 */
export const HUMAN_COMMITS = ['review', 'block'] as const;

/**
 * The toolchain directories a sandboxed command may read when a policy does not say: GitHub-hosted
 * runners' tool cache and the usual per-user language installs (never a whole home: ~/.cargo/bin, not
 * ~/.cargo with its credentials.toml). Missing ones are skipped.
 */
export const DEFAULT_TOOLCHAINS: readonly string[] = [
  '/opt/hostedtoolcache',
  '/opt/pipx',
  '/opt/pipx_bin',
  '~/.cargo/bin',
  '~/.rustup',
  '~/.nvm/versions',
  '~/.pyenv/versions',
  '~/.local/bin',
  '~/.bun/bin',
  '~/.deno/bin',
  '~/.dotnet',
  '~/go/bin',
  '~/go/pkg/mod',
];

/** `${NAME}`: a reference to a variable of the runner's environment (MCP server env and headers). */
export const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
