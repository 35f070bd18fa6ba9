// The policy file's schema. Every field says what it expects in its error message, so that the loader
// can report "expected ..." next to the file, line and field path. Objects are strict: an unknown
// key is an error, not a silently ignored typo.
import picomatch from 'picomatch';
import { z } from 'zod';
import {
  DEFAULT_TOOLCHAINS,
  ENV_REFERENCE,
  GATE_DEFAULTS,
  GLOB_OPTIONS,
  HUMAN_COMMITS,
  ON_GATE_FAILURE,
  RESERVED_RULE_IDS,
  SANDBOX_MODES,
  SEVERITIES,
} from './constants.js';
import { isSecretEnvName } from './evaluate.js';

/** The text zod puts in `message` is what was expected; a custom issue carries the problem in `params`. */
export interface ProblemParams {
  problem: string;
}

function refineWith<T>(expected: string, problemOf: (value: T) => string | undefined) {
  return (value: T, ctx: z.RefinementCtx) => {
    const problem = problemOf(value);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: expected, params: { problem } satisfies ProblemParams });
    }
  };
}

function text(expected: string) {
  return z.string({ error: expected });
}

function list<T extends z.ZodType>(item: T, expected: string) {
  return z.array(item, { error: expected }).default(() => []);
}

function strict<T extends z.ZodRawShape>(shape: T, expected: string) {
  const keys = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `one of the keys ${keys}` : expected),
  });
}

const EXPECT_RULE_ID = 'a kebab-case rule id like secret-files';
const ruleId = text(EXPECT_RULE_ID)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: EXPECT_RULE_ID })
  .superRefine(
    refineWith(`an id other than ${RESERVED_RULE_IDS.join(', ')}`, (id: string) =>
      RESERVED_RULE_IDS.includes(id) ? `the rule id '${id}' is reserved` : undefined,
    ),
  );

const description = text('a sentence saying why the rule exists').optional();

function globProblem(glob: string): string | undefined {
  if (glob === '') return 'empty glob';
  if (glob.includes('\0')) return 'glob contains a NUL byte';
  if (glob.startsWith('!')) return `negated glob '${glob}' (list exceptions under 'except' instead)`;
  // picomatch turns a pattern it cannot compile into a regex that never matches.
  if (picomatch.makeRe(glob, GLOB_OPTIONS).source === '$^') return `invalid glob '${glob}'`;
  return undefined;
}

const EXPECT_PATH_GLOB = 'a repository-relative glob like src/** or **/*.pem';
const pathGlob = text(EXPECT_PATH_GLOB).superRefine(
  refineWith(EXPECT_PATH_GLOB, (glob: string) => {
    if (glob.startsWith('/')) return `absolute path '${glob}' (paths are relative to the repository root)`;
    if (glob.split('/').includes('..')) return `'..' in '${glob}' (paths never leave the repository)`;
    return globProblem(glob);
  }),
);

const EXPECT_NAME_GLOB = 'a tool name or glob like read_file or mcp__github__*';
const nameGlob = text(EXPECT_NAME_GLOB).superRefine(refineWith(EXPECT_NAME_GLOB, globProblem));

const EXPECT_REGEX = 'a JavaScript regex';
const regex = text(EXPECT_REGEX).superRefine(
  refineWith(EXPECT_REGEX, (source: string) => {
    try {
      new RegExp(source);
      return undefined;
    } catch {
      return 'invalid regular expression';
    }
  }),
);

const EXPECT_EXECUTABLE = 'a program name like git, or an exact path like ./scripts/check.sh';
const executable = text(EXPECT_EXECUTABLE).regex(/^[^\s$`]+$/, { error: EXPECT_EXECUTABLE });

const ToolRule = strict(
  {
    id: ruleId.optional(),
    description,
    tools: z.array(nameGlob, { error: 'a list of tool names or globs' }),
  },
  'a tool rule: a mapping with tools and optionally id and description',
);

const PathRule = strict(
  {
    id: ruleId.optional(),
    description,
    paths: z.array(pathGlob, { error: 'a list of repository-relative globs' }),
    except: list(pathGlob, 'a list of repository-relative globs the rule does not cover'),
  },
  'a path rule: a mapping with paths and optionally id, description and except',
);

const needsExecutablesOrPatterns = refineWith(
  'executables or patterns',
  (rule: { executables: string[]; patterns: string[] }) =>
    rule.executables.length === 0 && rule.patterns.length === 0 ? 'the rule matches nothing' : undefined,
);

const CommandDenyRule = strict(
  {
    id: ruleId.optional(),
    description,
    executables: list(executable, 'a list of program names'),
    subcommands: list(
      regex,
      "a list of JavaScript regexes, each matched against the program's whole subcommand (the first word after its global options)",
    ),
    options: list(
      regex,
      "a list of JavaScript regexes, each matched against a whole option before the program's subcommand",
    ),
    args: list(regex, 'a list of JavaScript regexes, each matched against a whole argument'),
    patterns: list(regex, 'a list of JavaScript regexes'),
  },
  'a command rule: a mapping with executables (and optionally subcommands, options or args) or patterns',
)
  .superRefine(needsExecutablesOrPatterns)
  .superRefine(
    refineWith(
      'subcommands, options and args only together with executables',
      (rule: { executables: string[]; args: string[]; subcommands: string[]; options: string[] }) =>
        rule.args.length + rule.subcommands.length + rule.options.length > 0 && rule.executables.length === 0
          ? 'subcommands, options or args without executables'
          : undefined,
    ),
  );

const CommandAllowRule = strict(
  {
    id: ruleId.optional(),
    description,
    executables: list(executable, 'a list of program names'),
    patterns: list(regex, 'a list of JavaScript regexes, each matched against a whole command'),
  },
  'a command rule: a mapping with executables or patterns',
).superRefine(needsExecutablesOrPatterns);

function section<T extends z.ZodType>(rule: T, what: string) {
  return strict(
    {
      deny: list(rule, `a list of ${what} rules`),
      allow: list(rule, `a list of ${what} rules`),
    },
    'a mapping with deny and allow',
  ).default(() => ({ deny: [], allow: [] }));
}

const EXPECT_DOMAIN = 'a domain name like registry.npmjs.org or *.example.com';
const domain = text(EXPECT_DOMAIN).regex(
  /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i,
  { error: EXPECT_DOMAIN },
);

const EXPECT_ENV_ALLOW = "a variable name like PATH, or a prefix ending in '*' like LC_*";
const envAllowName = text(EXPECT_ENV_ALLOW).regex(/^(?:[A-Za-z_][A-Za-z0-9_]*\*?|\*)$/, {
  error: EXPECT_ENV_ALLOW,
});

const EXPECT_ENV_SECRET = 'a variable name or a glob like *_TOKEN';
const envSecretName = text(EXPECT_ENV_SECRET).regex(/^[A-Za-z0-9_*?-]+$/, { error: EXPECT_ENV_SECRET });

const EXPECT_ENV_NAME = 'a variable name like LOG_LEVEL';
const envName = text(EXPECT_ENV_NAME).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: EXPECT_ENV_NAME });

const EXPECT_SERVER_NAME = 'a server name of lowercase letters and digits, separated by single - or _';
const serverName = text(EXPECT_SERVER_NAME).regex(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, {
  error: EXPECT_SERVER_NAME,
});

/** Header names whose value is a credential. */
const CREDENTIAL_HEADER =
  /^(?:authorization|proxy-authorization|cookie|x-api-key|api-key|.*token.*|.*secret.*)$/i;

/**
 * Why an MCP server's env or header entry holds a secret written in the policy file, or undefined: a
 * secret-named variable or a credential header must come from a reference. (Values that contain a
 * known token format are refused when the server starts, where the token formats are known.)
 */
export function literalSecretProblem(
  where: 'env' | 'headers',
  name: string,
  value: string,
  isSecretName: (name: string) => boolean,
): string | undefined {
  const referenced = value.replace(ENV_REFERENCE, '') !== value;
  if (where === 'env' && isSecretName(name) && !referenced) {
    return `${name} is a secret's name, and its value is written in the policy file`;
  }
  if (where === 'headers' && CREDENTIAL_HEADER.test(name) && !referenced) {
    return `the ${name} header carries a credential, and its value is written in the policy file`;
  }
  return undefined;
}

const McpServer = strict(
  {
    description,
    command: text('the command that starts the server (stdio servers)')
      .min(1, { error: 'the command that starts the server' })
      .optional(),
    url: text('the http(s) URL of a streamable HTTP server')
      .regex(/^https?:\/\/[^\s]+$/, { error: 'the http(s) URL of a streamable HTTP server' })
      .optional(),
    args: list(text('a string'), 'a list of strings'),
    env: z
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${NAME} reference to the runner's environment, not a template
      .record(envName, text("a string (a value, or ${NAME} for a variable of the runner's environment)"), {
        error: 'a mapping of variable names to strings',
      })
      .default(() => ({})),
    headers: z
      .record(
        text('a header name'),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${NAME} reference to the runner's environment, not a template
        text("a string (a value, or ${NAME} for a variable of the runner's environment)"),
        {
          error: 'a mapping of header names to strings',
        },
      )
      .default(() => ({})),
    network: list(domain, 'a list of domain names this server may reach'),
    tools: strict(
      {
        allow: list(nameGlob, 'a list of tool names or globs'),
        deny: list(nameGlob, 'a list of tool names or globs'),
      },
      'a mapping with allow and deny',
    ).default(() => ({ allow: [], deny: [] })),
  },
  'a server: a mapping with command (stdio) or url (streamable HTTP), and optionally args, env, headers, network, tools and description',
).superRefine((server, ctx) => {
  const problem = (path: (string | number)[], expected: string, text: string) =>
    ctx.addIssue({
      code: 'custom',
      path,
      message: expected,
      params: { problem: text } satisfies ProblemParams,
    });
  if ((server.command === undefined) === (server.url === undefined)) {
    problem(
      [],
      'a server with either command (stdio) or url (streamable HTTP)',
      'give exactly one of command and url',
    );
  }
  if (
    server.url !== undefined &&
    (server.args.length > 0 || Object.keys(server.env).length > 0 || server.network.length > 0)
  ) {
    problem(
      [],
      'args, env and network only for a command server',
      'a url server takes headers, not args, env or network',
    );
  }
  if (server.command !== undefined && Object.keys(server.headers).length > 0) {
    problem(['headers'], 'headers only for a url server', 'a command server takes env, not headers');
  }
});

const EXPECT_SEVERITY = `one of ${SEVERITIES.join('|')}`;
const severity = z.enum(SEVERITIES, { error: EXPECT_SEVERITY });

const EXPECT_URL = 'an http(s) URL like https://registry.npmjs.org';
const registryUrl = text(EXPECT_URL).regex(/^https?:\/\/[^\s]+$/, { error: EXPECT_URL });

const EXPECT_SPDX = 'an SPDX licence id like MIT or Apache-2.0';
const spdxId = text(EXPECT_SPDX).regex(/^[A-Za-z0-9.+-]+$/, { error: EXPECT_SPDX });

const failOrWarn = (what: string) => z.enum(['fail', 'warn'], { error: `fail or warn (${what})` });
const seconds = (what: string) =>
  z
    .number({ error: `a number of seconds (${what})` })
    .positive({ error: `a positive number of seconds (${what})` });
const count = (what: string) =>
  z
    .number({ error: `a whole number (${what})` })
    .int({ error: `a whole number (${what})` })
    .min(0, {
      error: `a whole number, 0 or more (${what})`,
    });

const SecretPattern = strict(
  {
    id: ruleId,
    description,
    regex,
    severity: severity.default('critical'),
  },
  'a secret pattern: a mapping with id, regex and optionally description and severity',
);

const GatesSection = strict(
  {
    blockOn: z
      .array(severity, { error: `a list of severities (${SEVERITIES.join('|')})` })
      .default(() => [...GATE_DEFAULTS.blockOn]),
    timeoutSeconds: seconds('per engine').default(GATE_DEFAULTS.timeoutSeconds),
    secrets: strict(
      {
        engine: z
          // secretlint: the embedded engine's former name, still accepted so older policies load.
          .enum(['auto', 'gitleaks', 'embedded', 'secretlint'], { error: 'one of auto|gitleaks|embedded' })
          .default('auto'),
        patterns: list(SecretPattern, 'a list of secret patterns'),
      },
      'a mapping with engine and patterns',
    ).default(() => ({ engine: 'auto' as const, patterns: [] })),
    sast: strict(
      {
        engine: z
          .enum(['auto', 'semgrep', 'opengrep', 'ast-grep'], {
            error: 'one of auto|semgrep|opengrep|ast-grep',
          })
          .default('auto'),
      },
      'a mapping with engine',
    ).default(() => ({ engine: 'auto' as const })),
    dependencies: strict(
      {
        minAgeDays: z
          .number({ error: 'a number of days' })
          .min(0, { error: 'a number of days, 0 or more' })
          .default(GATE_DEFAULTS.minAgeDays),
        minWeeklyDownloads: count('weekly downloads on npm').default(GATE_DEFAULTS.minWeeklyDownloads),
        licenses: z
          .array(spdxId, { error: 'a list of SPDX licence ids' })
          .default(() => [...GATE_DEFAULTS.licenses]),
        unknownLicense: failOrWarn('a dependency whose licence is not known').default('fail'),
        unreachable: failOrWarn('a registry that cannot be reached').default('fail'),
        allow: list(
          text('a package name'),
          'a list of package names exempt from the age, download, name and unknown-licence checks',
        ),
        registries: strict(
          {
            npm: registryUrl.default(GATE_DEFAULTS.registries.npm),
            npmDownloads: registryUrl.default(GATE_DEFAULTS.registries.npmDownloads),
            pypi: registryUrl.default(GATE_DEFAULTS.registries.pypi),
            crates: registryUrl.default(GATE_DEFAULTS.registries.crates),
            go: registryUrl.default(GATE_DEFAULTS.registries.go),
            npmAdvisories: registryUrl.default(GATE_DEFAULTS.registries.npmAdvisories),
            osv: registryUrl.default(GATE_DEFAULTS.registries.osv),
          },
          'a mapping with npm, npmDownloads, pypi, crates, go, npmAdvisories and osv',
        ).default(() => ({ ...GATE_DEFAULTS.registries })),
      },
      'a mapping with minAgeDays, minWeeklyDownloads, licenses, unknownLicense, unreachable, allow and registries',
    ).default(() => ({
      minAgeDays: GATE_DEFAULTS.minAgeDays,
      minWeeklyDownloads: GATE_DEFAULTS.minWeeklyDownloads,
      licenses: [...GATE_DEFAULTS.licenses],
      unknownLicense: 'fail' as const,
      unreachable: 'fail' as const,
      allow: [],
      registries: { ...GATE_DEFAULTS.registries },
    })),
    changes: strict(
      {
        maxFiles: count('files changed').default(GATE_DEFAULTS.maxFiles),
        maxChangedLines: count('lines added plus lines deleted').default(GATE_DEFAULTS.maxChangedLines),
        approvalLabels: z
          .array(text('a label name'), { error: 'a list of label names' })
          .default(() => [...GATE_DEFAULTS.approvalLabels]),
        protectedPaths: strict(
          {
            paths: list(pathGlob, 'a list of repository-relative globs'),
            except: list(pathGlob, 'a list of repository-relative globs the rule does not cover'),
          },
          'a mapping with paths and except',
        ).default(() => ({ paths: [], except: [] })),
        humanCommits: z.enum(HUMAN_COMMITS, { error: `one of ${HUMAN_COMMITS.join('|')}` }).default('review'),
      },
      'a mapping with maxFiles, maxChangedLines, approvalLabels, protectedPaths and humanCommits',
    ).default(() => ({
      maxFiles: GATE_DEFAULTS.maxFiles,
      maxChangedLines: GATE_DEFAULTS.maxChangedLines,
      approvalLabels: [...GATE_DEFAULTS.approvalLabels],
      protectedPaths: { paths: [], except: [] },
      humanCommits: 'review' as const,
    })),
  },
  'a mapping with blockOn, timeoutSeconds, secrets, sast, dependencies and changes',
);

export type GatesPolicy = z.infer<typeof GatesSection>;

const PublishSection = strict(
  {
    onGateFailure: z.enum(ON_GATE_FAILURE, { error: `one of ${ON_GATE_FAILURE.join('|')}` }).default('no-pr'),
  },
  'a mapping with onGateFailure',
);

export type PublishPolicy = z.infer<typeof PublishSection>;

/** Files whose contents key the setup's cache when the policy names none: the usual lockfiles. */
export const DEFAULT_SETUP_KEY_FILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'uv.lock',
  'poetry.lock',
  'Pipfile.lock',
  'requirements.txt',
  'go.sum',
  'Cargo.lock',
  'Gemfile.lock',
] as const;

function repoRelativeProblem(p: string): string | undefined {
  if (p === '' || p === '.') return 'empty path';
  if (p.includes('\0')) return `'${p}' contains a NUL byte`;
  if (p.startsWith('/')) return `absolute path '${p}' (paths are relative to the repository root)`;
  const parts = p.replace(/\/+$/, '').split('/');
  if (parts.some((seg) => seg === '..' || seg === '.' || seg === ''))
    return `'${p}' has an empty, '.' or '..' segment`;
  if (parts[0] === '.git') return `'${p}' is inside .git`;
  if (/[*?[\]{}]/.test(p)) return `'${p}' is a glob; name the directory itself`;
  return undefined;
}

const EXPECT_CACHE_DIR = 'a repository-relative directory the setup makes, like node_modules or .venv';
const cacheDir = text(EXPECT_CACHE_DIR).superRefine(refineWith(EXPECT_CACHE_DIR, repoRelativeProblem));
const EXPECT_KEY_FILE = 'a repository-relative file, like package-lock.json';
const keyFile = text(EXPECT_KEY_FILE).superRefine(refineWith(EXPECT_KEY_FILE, repoRelativeProblem));

const SetupSection = strict(
  {
    command: text('a shell command, like npm ci')
      .min(1, { error: 'a shell command, like npm ci' })
      .optional(),
    allowedDomains: list(domain, 'a list of domain names'),
    cache: strict(
      {
        paths: list(cacheDir, 'a list of repository-relative directories'),
        keyFiles: z
          .array(keyFile, { error: 'a list of repository-relative files' })
          .default(() => [...DEFAULT_SETUP_KEY_FILES]),
      },
      'a mapping with paths and keyFiles',
    ).default(() => ({ paths: [], keyFiles: [...DEFAULT_SETUP_KEY_FILES] })),
  },
  'a mapping with command, allowedDomains and cache',
);

export type SetupPolicy = z.infer<typeof SetupSection>;

export const FLAKY_QUARANTINE = ['deny', 'allow'] as const;

const FlakySection = strict(
  {
    quarantine: z.enum(FLAKY_QUARANTINE, { error: `one of ${FLAKY_QUARANTINE.join('|')}` }).default('deny'),
  },
  'a mapping with quarantine',
);

export type FlakyPolicy = z.infer<typeof FlakySection>;

/** Directories a sandboxed command must never be given whole: they hold the runner's and the user's secrets. */
const TOOLCHAIN_REFUSED = new Set([
  '/',
  '~',
  '/home',
  '/root',
  '/tmp',
  '/var',
  '/run',
  '/proc',
  '/sys',
  '/dev',
  '/etc',
]);

function toolchainProblem(p: string): string | undefined {
  const trimmed = p.length > 1 ? p.replace(/\/+$/, '') : p;
  if (!trimmed.startsWith('/') && !trimmed.startsWith('~/') && trimmed !== '~') {
    return `'${p}' is neither absolute nor under ~/`;
  }
  if (trimmed.split('/').some((seg) => seg === '..' || seg === '.')) return `'${p}' contains '.' or '..'`;
  if (trimmed.includes('\0')) return `'${p}' contains a NUL byte`;
  if (TOOLCHAIN_REFUSED.has(trimmed)) {
    return `'${p}' would show the sandbox a whole tree of host secrets; list the toolchain's own directory`;
  }
  return undefined;
}

const EXPECT_TOOLCHAIN =
  'an absolute directory or one under ~/ holding a toolchain (e.g. /opt/hostedtoolcache)';
const toolchainDir = text(EXPECT_TOOLCHAIN).superRefine(refineWith(EXPECT_TOOLCHAIN, toolchainProblem));

export const PolicySchema = strict(
  {
    version: z.literal(1, { error: '1 (the only policy version)' }),
    sandbox: z.enum(SANDBOX_MODES, { error: `one of ${SANDBOX_MODES.join('|')}` }).default('bubblewrap'),
    toolchains: z
      .array(toolchainDir, { error: 'a list of directories (absolute, or under ~/)' })
      .default(() => [...DEFAULT_TOOLCHAINS]),
    tools: section(ToolRule, 'tool'),
    read: section(PathRule, 'path'),
    write: section(PathRule, 'path'),
    commands: strict(
      {
        deny: list(CommandDenyRule, 'a list of command rules'),
        allow: list(CommandAllowRule, 'a list of command rules'),
      },
      'a mapping with deny and allow',
    ).default(() => ({ deny: [], allow: [] })),
    network: strict(
      { allowedDomains: list(domain, 'a list of domain names') },
      'a mapping with allowedDomains',
    ).default(() => ({ allowedDomains: [] })),
    env: strict(
      {
        allow: list(envAllowName, 'a list of variable names'),
        secret: list(envSecretName, 'a list of variable names or globs'),
      },
      'a mapping with allow and secret',
    ).default(() => ({ allow: [], secret: [] })),
    mcp: strict(
      {
        servers: z
          .record(serverName, McpServer, { error: 'a mapping of server names to servers' })
          .default(() => ({})),
      },
      'a mapping with servers',
    ).default(() => ({ servers: {} })),
    gates: GatesSection.default(() => GatesSection.parse({})),
    publish: PublishSection.default(() => PublishSection.parse({})),
    flaky: FlakySection.default(() => FlakySection.parse({})),
    setup: SetupSection.default(() => SetupSection.parse({})),
  },
  'a mapping with version: 1 and the sections sandbox, toolchains, tools, read, write, commands, network, env, mcp, gates, publish, flaky, setup',
).superRefine((policy, ctx) => {
  for (const [server, config] of Object.entries(policy.mcp.servers)) {
    for (const [where, entries] of [
      ['env', config.env],
      ['headers', config.headers],
    ] as const) {
      for (const [name, value] of Object.entries(entries)) {
        const problem = literalSecretProblem(where, name, value, (n) => isSecretEnvName(policy, n));
        if (problem === undefined) continue;
        ctx.addIssue({
          code: 'custom',
          path: ['mcp', 'servers', server, where, name],
          message:
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${NAME} reference to the runner's environment, not a template
            "a reference to a variable of the runner's environment like ${MCP_TOKEN}, not the secret itself",
          params: { problem } satisfies ProblemParams,
        });
      }
    }
  }
  const seen = new Map<string, string>();
  for (const { id, path } of explicitRuleIds(policy)) {
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, formatFieldPath(path.slice(0, -1)));
      continue;
    }
    ctx.addIssue({
      code: 'custom',
      path,
      message: 'a rule id used only once in the file',
      params: { problem: `duplicate rule id '${id}' (also the id of ${first})` } satisfies ProblemParams,
    });
  }
});

export type Policy = z.infer<typeof PolicySchema>;
export type ToolRule = z.infer<typeof ToolRule>;
export type PathRule = z.infer<typeof PathRule>;
export type CommandDenyRule = z.infer<typeof CommandDenyRule>;
export type CommandAllowRule = z.infer<typeof CommandAllowRule>;
export type McpServer = z.infer<typeof McpServer>;

type RuleLists = Pick<Policy, 'tools' | 'read' | 'write' | 'commands'>;
const RULE_SECTIONS = ['tools', 'read', 'write', 'commands'] as const;

function* explicitRuleIds(policy: RuleLists): Generator<{ id: string; path: (string | number)[] }> {
  for (const sectionName of RULE_SECTIONS) {
    for (const listName of ['deny', 'allow'] as const) {
      const rules: { id?: string | undefined }[] = policy[sectionName][listName];
      for (const [index, rule] of rules.entries()) {
        if (rule.id !== undefined) yield { id: rule.id, path: [sectionName, listName, index, 'id'] };
      }
    }
  }
}

/** `commands.deny[0].patterns[1]`; empty for the document itself. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** The JSON Schema of a policy file, for editors. */
export function policyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(PolicySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
