// Deny-first evaluation: a deny rule that matches decides; otherwise the first allow rule that matches
// decides; otherwise the request is denied by `default-deny`, with a reason that says which list
// would have to change. Pure: plain data in, a decision out.
import picomatch from 'picomatch';
import { analyzeCommand, basename, type Invocation, subcommandOf } from './commands.js';
import {
  COMMAND_UNPARSEABLE_RULE,
  DEFAULT_DENY_RULE,
  GLOB_OPTIONS,
  PATH_CONTAINMENT_RULE,
} from './constants.js';
import type { Policy } from './schema.js';

export type PolicyRequest =
  | { kind: 'tool'; tool: string }
  | { kind: 'read'; path: string }
  | { kind: 'write'; path: string }
  | { kind: 'command'; command: string }
  | { kind: 'mcp'; server: string; tool: string };

export interface Decision {
  allowed: boolean;
  ruleId: string;
  reason: string;
  request: PolicyRequest;
}

/**
 * Variables that are secret whatever the policy says: the credentials the action itself holds, and the
 * action inputs that carry them (`INPUT_ANTHROPIC-API-KEY`). Matched case-insensitively.
 */
export const ALWAYS_SECRET_ENV: readonly string[] = [
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'ACTIONS_*TOKEN',
  'INPUT_*KEY',
  'INPUT_*TOKEN',
];

/** Longest command text quoted back in a reason. */
const REASON_TEXT_MAX = 160;

// Compiled globs and regexes, by source. Policies are few and small, so these stay small.
const globCache = new Map<string, (path: string) => boolean>();
const regexCache = new Map<string, RegExp>();
const CACHE_LIMIT = 2000;

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    value = make();
    cache.set(key, value);
  }
  return value;
}

/**
 * True when `path` matches one of `globs` (picomatch, `dot: true`; in any case with `nocase`). The
 * repository root is `.` and matches `**`.
 */
export function matchesAny(globs: string[], path: string, opts: { nocase?: boolean } = {}): boolean {
  const nocase = opts.nocase === true;
  for (const glob of globs) {
    if (path === '.' && glob === '**') return true;
    const key = nocase ? `i:${glob}` : glob;
    if (cached(globCache, key, () => picomatch(glob, { ...GLOB_OPTIONS, nocase }))(path)) return true;
  }
  return false;
}

/** A regex that must match the whole of the text. */
function wholeRegex(source: string): RegExp {
  return cached(regexCache, `^(?:${source})$`, () => new RegExp(`^(?:${source})$`));
}

function searchRegex(source: string): RegExp {
  return cached(regexCache, source, () => new RegExp(source));
}

function wildcardRegex(pattern: string): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return cached(regexCache, `env:${pattern}`, () => new RegExp(`^${source}$`, 'i'));
}

/** True for a variable ALWAYS_SECRET_ENV names: secret under every policy. */
export function isAlwaysSecretEnvName(name: string): boolean {
  return ALWAYS_SECRET_ENV.some((pattern) => wildcardRegex(pattern).test(name));
}

/** True for a variable whose value must never reach a command or a log: `env.secret` plus ALWAYS_SECRET_ENV. */
export function isSecretEnvName(policy: Policy, name: string): boolean {
  return (
    isAlwaysSecretEnvName(name) || policy.env.secret.some((pattern) => wildcardRegex(pattern).test(name))
  );
}

/** A rule's id: its own, or its field path such as `read.deny[2]`. */
export function ruleIdOf(rule: { id?: string | undefined }, list: string, index: number): string {
  return rule.id ?? `${list}[${index}]`;
}

interface Found<R> {
  rule: R;
  id: string;
}

function findRule<R extends { id?: string | undefined }>(
  rules: R[],
  list: string,
  test: (rule: R) => boolean,
): Found<R> | undefined {
  for (const [index, rule] of rules.entries()) {
    if (test(rule)) return { rule, id: ruleIdOf(rule, list, index) };
  }
  return undefined;
}

function why(rule: { description?: string | undefined }): string {
  return rule.description ? `: ${rule.description}` : '';
}

function quoted(text: string): string {
  const short = text.length > REASON_TEXT_MAX ? `${text.slice(0, REASON_TEXT_MAX)}...` : text;
  return `'${short}'`;
}

export function evaluate(policy: Policy, req: PolicyRequest): Decision {
  const decide = (allowed: boolean, ruleId: string, reason: string): Decision => ({
    allowed,
    ruleId,
    reason,
    request: req,
  });
  switch (req.kind) {
    case 'tool':
      return evaluateTool(policy, req.tool, decide);
    case 'read':
    case 'write':
      return evaluatePath(policy, req.kind, req.path, decide);
    case 'command':
      return evaluateCommand(policy, req.command, decide);
    case 'mcp':
      return evaluateMcp(policy, req.server, req.tool, decide);
    default: {
      const unknown: never = req;
      return decide(false, DEFAULT_DENY_RULE, `unknown request ${JSON.stringify(unknown)}`);
    }
  }
}

type Decide = (allowed: boolean, ruleId: string, reason: string) => Decision;

function evaluateTool(policy: Policy, tool: string, decide: Decide): Decision {
  const denied = findRule(policy.tools.deny, 'tools.deny', (r) => matchesAny(r.tools, tool));
  if (denied)
    return decide(false, denied.id, `the tool '${tool}' is denied by rule '${denied.id}'${why(denied.rule)}`);
  const allowed = findRule(policy.tools.allow, 'tools.allow', (r) => matchesAny(r.tools, tool));
  if (allowed) return decide(true, allowed.id, `the tool '${tool}' is allowed by rule '${allowed.id}'`);
  return decide(
    false,
    DEFAULT_DENY_RULE,
    `no rule in tools.allow matches the tool '${tool}'; add a tools.allow rule to permit it`,
  );
}

/** `a/./b/` -> `a/b`; the root is `.`; undefined for absolute paths and `..`. */
function normalizeRepoPath(path: string): string | undefined {
  if (path.startsWith('/') || path.includes('\0')) return undefined;
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return undefined;
  return parts.length > 0 ? parts.join('/') : '.';
}

function evaluatePath(policy: Policy, kind: 'read' | 'write', rawPath: string, decide: Decide): Decision {
  const path = normalizeRepoPath(rawPath);
  if (path === undefined) {
    return decide(false, PATH_CONTAINMENT_RULE, `${quoted(rawPath)} is not a path inside the repository`);
  }
  const verb = kind === 'read' ? 'reading' : 'writing';
  const covers = (r: { paths: string[]; except: string[] }) =>
    matchesAny(r.paths, path) && !matchesAny(r.except, path);
  // A deny rule matches in any case: on a case-insensitive disk `agents.md` is AGENTS.md.
  const denies = (r: { paths: string[]; except: string[] }) =>
    matchesAny(r.paths, path, { nocase: true }) && !matchesAny(r.except, path);
  const denied = findRule(policy[kind].deny, `${kind}.deny`, denies);
  if (denied)
    return decide(false, denied.id, `${verb} '${path}' is denied by rule '${denied.id}'${why(denied.rule)}`);
  if (kind === 'write') {
    const unreadable = findRule(policy.read.deny, 'read.deny', denies);
    if (unreadable) {
      return decide(
        false,
        unreadable.id,
        `writing '${path}' is denied by rule '${unreadable.id}' of read.deny (what may not be read may not be written)${why(unreadable.rule)}`,
      );
    }
  }
  const allowed = findRule(policy[kind].allow, `${kind}.allow`, covers);
  if (allowed) return decide(true, allowed.id, `${verb} '${path}' is allowed by rule '${allowed.id}'`);
  return decide(
    false,
    DEFAULT_DENY_RULE,
    `no rule in ${kind}.allow matches '${path}'; add a ${kind}.allow rule to permit it`,
  );
}

function executableMatches(names: string[], executable: string): boolean {
  const name = basename(executable);
  return names.some((n) => (n.includes('/') ? n === executable : n === name));
}

/** Whether a deny rule for `argv`'s program covers `argv`: by subcommand, option or argument, or all of it. */
function argumentsMatch(
  rule: { subcommands: string[]; options: string[]; args: string[] },
  argv: readonly string[],
): boolean {
  if (rule.subcommands.length + rule.options.length + rule.args.length === 0) return true;
  const any = (sources: string[], words: readonly string[]) =>
    words.some((word) => sources.some((source) => wholeRegex(source).test(word)));
  if (any(rule.args, argv.slice(1))) return true;
  if (rule.subcommands.length + rule.options.length === 0) return false;
  const words = subcommandOf(argv);
  return any(rule.subcommands, words.candidates) || any(rule.options, words.options);
}

function evaluateCommand(policy: Policy, line: string, decide: Decide): Decision {
  const analysis = analyzeCommand(line);
  const invocations: Invocation[] = 'error' in analysis ? [] : analysis.invocations;
  const texts = new Set([
    line,
    ...('error' in analysis ? [] : analysis.segmentTexts),
    ...invocations.map((i) => i.text),
  ]);

  for (const [index, rule] of policy.commands.deny.entries()) {
    const id = ruleIdOf(rule, 'commands.deny', index);
    for (const source of rule.patterns) {
      const re = searchRegex(source);
      for (const text of texts) {
        if (re.test(text)) {
          return decide(false, id, `${quoted(text)} matches /${source}/ of rule '${id}'${why(rule)}`);
        }
      }
    }
    for (const inv of invocations) {
      if (!executableMatches(rule.executables, inv.executable)) continue;
      if (argumentsMatch(rule, inv.argv)) {
        return decide(false, id, `${quoted(inv.text)} is denied by rule '${id}'${why(rule)}`);
      }
    }
  }

  if ('error' in analysis) {
    return decide(
      false,
      COMMAND_UNPARSEABLE_RULE,
      `${quoted(line)} cannot be checked (${analysis.error}); commands that cannot be checked are refused, so write it more simply`,
    );
  }
  const hidden = invocations.find((inv) => /[$`]/.test(inv.executable));
  if (hidden) {
    return decide(
      false,
      COMMAND_UNPARSEABLE_RULE,
      `the program ${quoted(hidden.executable)} is only known when the command runs; write the program's name literally`,
    );
  }
  if (invocations.length === 0) return decide(false, DEFAULT_DENY_RULE, `${quoted(line)} runs no program`);

  let decidingId: string | undefined;
  const used: string[] = [];
  for (const inv of invocations) {
    const found = findRule(
      policy.commands.allow,
      'commands.allow',
      (r) =>
        executableMatches(r.executables, inv.executable) ||
        r.patterns.some((source) => wholeRegex(source).test(inv.text)),
    );
    if (!found) {
      return decide(
        false,
        DEFAULT_DENY_RULE,
        `no rule in commands.allow allows '${basename(inv.executable)}' (in ${quoted(inv.text)}); add it to the executables of a commands.allow rule to permit it`,
      );
    }
    decidingId ??= found.id;
    const entry = `${basename(inv.executable)} (${found.id})`;
    if (!used.includes(entry)) used.push(entry);
  }
  return decide(
    true,
    decidingId ?? DEFAULT_DENY_RULE,
    `every program in the command is allowed: ${used.join(', ')}`,
  );
}

function evaluateMcp(policy: Policy, server: string, tool: string, decide: Decide): Decision {
  const config = Object.hasOwn(policy.mcp.servers, server) ? policy.mcp.servers[server] : undefined;
  if (!config) {
    return decide(
      false,
      DEFAULT_DENY_RULE,
      `the MCP server '${server}' is not listed in mcp.servers; add it there to permit its tools`,
    );
  }
  const list = `mcp.servers.${server}.tools`;
  if (matchesAny(config.tools.deny, tool)) {
    return decide(
      false,
      `${list}.deny`,
      `the tool '${tool}' of MCP server '${server}' is denied by ${list}.deny`,
    );
  }
  if (matchesAny(config.tools.allow, tool)) {
    return decide(
      true,
      `${list}.allow`,
      `the tool '${tool}' of MCP server '${server}' is allowed by ${list}.allow`,
    );
  }
  return decide(
    false,
    DEFAULT_DENY_RULE,
    `no entry in ${list}.allow matches '${tool}'; add it to ${list}.allow to permit it`,
  );
}
