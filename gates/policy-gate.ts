// The policy gate: what the change does, judged by the same policy file that governed the agent.
// Pure: the diff, the added lines and the policy in, findings out.
import { DEFAULT_DENY_RULE, evaluate, type GatesPolicy, matchesAny, type Policy } from '../policies/index.js';
import { addedLineTexts, type FileChange } from './diff.js';
import { type LinkContext, structureProblems } from './structure.js';
import type { RawFinding } from './types.js';

export interface PolicyGateInput {
  files: readonly FileChange[];
  /** Text content at head of the changed files that have any (not deleted, not binary). */
  contents: ReadonlyMap<string, string>;
  policy: Policy;
  /** Labels on the change (e.g. the pull request's); an approval label lets protected paths pass. */
  labels: readonly string[];
  /** Paths only people's commits changed (gate mode); their protected-path changes follow `humanCommits`. */
  humanOnly?: ReadonlySet<string>;
  /** Targets of the symbolic links the change adds or changes, by path. */
  links?: ReadonlyMap<string, string>;
  /** Paths at head under a directory (to see what a link to it would show); none when not given. */
  filesUnder?: (dir: string) => readonly string[];
}

/** The globs of every rule that protects a path: write and read deny rules, the gates' protected paths. */
export function protectedGlobs(policy: Policy): string[] {
  return [
    ...policy.write.deny.flatMap((r) => r.paths),
    ...policy.read.deny.flatMap((r) => r.paths),
    ...policy.gates.changes.protectedPaths.paths,
  ];
}

/** What a symbolic link needs to be judged, for this policy. */
export function linkContext(
  policy: Policy,
  links: ReadonlyMap<string, string>,
  filesUnder: (dir: string) => readonly string[],
): LinkContext {
  return {
    links,
    filesUnder,
    protectedGlobs: protectedGlobs(policy),
    protectedBy: (p) => protectedBy(p, policy),
  };
}

/** Files whose added lines suppress other gates' findings. */
const IGNORE_FILES = new Set(['.gitleaksignore', '.semgrepignore', '.secretlintignore']);

/** Inline markers that silence a scanner: semgrep, gitleaks, secretlint, gosec/bandit, ast-grep, detect-secrets, Sonar. */
const SUPPRESSIONS: { re: RegExp; what: string }[] = [
  { re: /\bnosemgrep\b/, what: 'nosemgrep (silences semgrep)' },
  { re: /gitleaks:allow\b/, what: 'gitleaks:allow (silences gitleaks)' },
  { re: /secretlint-disable/, what: 'secretlint-disable (silences secretlint)' },
  { re: /#\s*nosec\b/, what: 'nosec (silences bandit/gosec)' },
  { re: /ast-grep-ignore/, what: 'ast-grep-ignore (silences ast-grep)' },
  { re: /pragma:\s*allowlist secret/, what: 'pragma: allowlist secret (silences detect-secrets)' },
  { re: /\bNOSONAR\b/, what: 'NOSONAR (silences Sonar)' },
];

const ESLINT_DISABLE = /eslint-disable(?:-next-line|-line)?(?![\w-])([^*\n]*)/;
/** ESLint rules whose job is security; disabling them (or all rules) counts as a suppression. */
const SECURITY_ESLINT =
  /(^|[\s,])(security\/|security-node\/|no-unsanitized\/|xss\/|@microsoft\/sdl\/|no-eval\b|no-implied-eval\b|no-new-func\b|no-script-url\b|react\/no-danger|@typescript-eslint\/no-implied-eval\b|detect-)/;

/** Test files by path: JS/TS, Python, Go, Rust, Java, Ruby conventions. */
const TEST_FILE_GLOBS = [
  '**/*.{test,spec}.{js,jsx,mjs,cjs,ts,tsx,mts,cts}',
  '**/__tests__/**',
  '**/test_*.py',
  '**/*_test.py',
  '**/*_test.go',
  '**/tests/**',
  '**/test/**',
  '**/spec/**',
  '**/*Test.java',
  '**/*_spec.rb',
];

const SKIPS: { re: RegExp; what: string }[] = [
  { re: /\b(?:describe|it|test|context|suite|specify)\.skip(?:If)?\s*\(/, what: 'a skipped test (.skip)' },
  { re: /(?:^|[^\w.])x(?:it|describe|test|context)\s*\(/, what: 'a skipped test (xit/xdescribe)' },
  { re: /\b(?:describe|it|test|context)\.only\s*\(/, what: 'a focused test (.only skips every other test)' },
  { re: /@pytest\.mark\.(?:skip|skipif|xfail)\b/, what: 'a skipped test (@pytest.mark.skip)' },
  { re: /\bpytest\.skip\s*\(/, what: 'a skipped test (pytest.skip)' },
  { re: /@unittest\.skip/, what: 'a skipped test (@unittest.skip)' },
  { re: /\bt\.Skip(?:Now|f)?\s*\(/, what: 'a skipped test (t.Skip)' },
  { re: /#\[ignore\]/, what: 'an ignored test (#[ignore])' },
  { re: /@(?:Disabled|Ignore)\b/, what: 'a disabled test (@Disabled/@Ignore)' },
];

/** Lockfiles a package manager writes, by base name. */
const GENERATED_LOCKFILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'bun.lock',
  'bun.lockb',
  'poetry.lock',
  'uv.lock',
  'Pipfile.lock',
  'Cargo.lock',
  'go.sum',
  'composer.lock',
  'Gemfile.lock',
]);

const SPLIT_HINT = 'Split the change into smaller pull requests, each with one purpose.';

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/**
 * Why a path is protected — the deny rule that keeps the agent from writing it, or the gates' own
 * protected paths — or undefined. A path only no allow rule covers is not protected: a policy written
 * for the gates alone has no write rules at all.
 */
export function protectedBy(path: string, policy: Policy): string | undefined {
  const decision = evaluate(policy, { kind: 'write', path });
  if (!decision.allowed && decision.ruleId !== DEFAULT_DENY_RULE) return decision.ruleId;
  const extra = policy.gates.changes.protectedPaths;
  if (matchesAny(extra.paths, path, { nocase: true }) && !matchesAny(extra.except, path))
    return 'gates.changes.protectedPaths';
  return undefined;
}

export function isTestFile(path: string): boolean {
  return matchesAny(TEST_FILE_GLOBS, path);
}

function protectedPathFindings(input: PolicyGateInput, changes: GatesPolicy['changes']): RawFinding[] {
  const approval = changes.approvalLabels.find((l) => input.labels.includes(l));
  const out: RawFinding[] = [];
  for (const file of input.files) {
    const paths =
      file.oldPath !== undefined && file.oldPath !== file.path ? [file.oldPath, file.path] : [file.path];
    for (const p of paths) {
      const rule = protectedBy(p, input.policy);
      if (rule === undefined) continue;
      const verb = file.status === 'deleted' ? 'deleted' : p === file.oldPath ? 'renamed away' : 'changed';
      // People's own commits on the change: reported for a person to review, blocking only when the policy says so.
      const byPeople = changes.humanCommits === 'review' && input.humanOnly?.has(p) === true;
      if (byPeople) {
        out.push({
          ruleId: 'protected-path',
          severity: 'info',
          file: p,
          line: 0,
          scope: 'file',
          message: `Protected path ${p} ${verb} by a person's commit (policy rule ${rule}); review it. It does not block (gates.changes.humanCommits: review).`,
        });
        continue;
      }
      out.push({
        ruleId: 'protected-path',
        severity: approval ? 'info' : 'high',
        file: p,
        line: 0,
        scope: 'file',
        message: approval
          ? `Protected path ${p} ${verb} (policy rule ${rule}); approved by the label '${approval}'.`
          : `Protected path ${p} ${verb} (policy rule ${rule}). Such changes need a person's approval.`,
        fix: approval
          ? undefined
          : changes.approvalLabels.length > 0
            ? `Have a maintainer review it and add the label '${changes.approvalLabels[0]}', or leave the file out of the change.`
            : 'Leave the file out of the change; the policy names no approval label.',
      });
    }
  }
  return out;
}

function eslintSuppression(text: string): string | undefined {
  const m = ESLINT_DISABLE.exec(text);
  if (!m) return undefined;
  const rules = (m[1] ?? '').split('--')[0]?.trim() ?? '';
  if (rules === '') return 'eslint-disable of every rule, security rules included';
  return SECURITY_ESLINT.test(rules) ? `eslint-disable of security rules (${rules.slice(0, 80)})` : undefined;
}

function lineFindings(input: PolicyGateInput): RawFinding[] {
  const out: RawFinding[] = [];
  for (const file of input.files) {
    const content = input.contents.get(file.path);
    if (content === undefined) continue;
    const name = basename(file.path);
    const added = addedLineTexts(file, content);
    if (IGNORE_FILES.has(name)) {
      for (const [line, text] of added) {
        const entry = text.trim();
        if (entry === '' || entry.startsWith('#')) continue;
        out.push({
          ruleId: 'ignore-entry-added',
          severity: 'high',
          file: file.path,
          line,
          message: `New entry in ${name}: the gates would stop reporting what it matches.`,
          fix: `Fix the finding instead, or have a maintainer add the entry to ${name} in a separate change.`,
        });
      }
      continue;
    }
    for (const [line, text] of added) {
      const what = SUPPRESSIONS.find((s) => s.re.test(text))?.what ?? eslintSuppression(text);
      if (what !== undefined) {
        out.push({
          ruleId: 'suppression-added',
          severity: 'high',
          file: file.path,
          line,
          message: `Added a suppression: ${what}.`,
          fix: 'Fix the finding instead of silencing the scanner; a maintainer can add a suppression in a separate change.',
        });
      }
      const skip = SKIPS.find((s) => s.re.test(text));
      if (skip !== undefined) {
        out.push({
          ruleId: 'test-skipped',
          severity: 'medium',
          file: file.path,
          line,
          message: `Added ${skip.what}: tests that no longer run prove nothing.`,
          fix: 'Make the test pass, or explain in the pull request why it must not run.',
        });
      }
    }
  }
  return out;
}

/** Gitlinks, `.git` paths and unsafe symbolic links: never approved by a label. */
function structureFindings(input: PolicyGateInput): RawFinding[] {
  const ctx = linkContext(input.policy, input.links ?? new Map(), input.filesUnder ?? (() => []));
  const entries = input.files.map((f) => ({ path: f.path, mode: f.mode, deleted: f.status === 'deleted' }));
  return structureProblems(entries, ctx).map((p) => ({
    ruleId: p.ruleId,
    severity: 'high' as const,
    file: p.path,
    line: 0,
    scope: 'file' as const,
    message: `${p.reason}.`,
    fix: 'Leave it out of the change; a person can add it in a change of their own.',
  }));
}

export function policyGate(input: PolicyGateInput): RawFinding[] {
  const changes = input.policy.gates.changes;
  const out = protectedPathFindings(input, changes);
  out.push(...structureFindings(input));
  out.push(...lineFindings(input));
  for (const file of input.files) {
    if (file.binary && (file.status === 'added' || file.status === 'copied')) {
      out.push({
        ruleId: 'binary-file-added',
        severity: 'medium',
        file: file.path,
        line: 0,
        scope: 'file',
        message: `Added a binary file ${file.path}: its content cannot be reviewed or scanned.`,
        fix: 'Build it from source in CI, or have a person add it.',
      });
    }
    if (file.status === 'deleted' && isTestFile(file.path)) {
      out.push({
        ruleId: 'test-deleted',
        severity: 'medium',
        file: file.path,
        line: 0,
        scope: 'file',
        message: `Deleted the test file ${file.path}.`,
        fix: 'Keep the test, or explain in the pull request why it is no longer needed.',
      });
    }
  }
  const fileCount = input.files.length;
  if (fileCount > changes.maxFiles) {
    out.push({
      ruleId: 'change-too-many-files',
      severity: 'high',
      file: '',
      line: 0,
      scope: 'change',
      message: `The change touches ${fileCount} files; the policy allows at most ${changes.maxFiles} (gates.changes.maxFiles).`,
      fix: SPLIT_HINT,
    });
  }
  // Lockfiles are generated and judged by the SBOM and dependency gates: a routine bump rewrites
  // thousands of their lines, so they do not count toward the size cap.
  const lines = input.files
    .filter((f) => !GENERATED_LOCKFILES.has(basename(f.path)))
    .reduce((n, f) => n + f.addedLines + f.deletedLines, 0);
  if (lines > changes.maxChangedLines) {
    out.push({
      ruleId: 'change-too-large',
      severity: 'high',
      file: '',
      line: 0,
      scope: 'change',
      message: `The change adds and deletes ${lines} lines (lockfiles not counted); the policy allows at most ${changes.maxChangedLines} (gates.changes.maxChangedLines).`,
      fix: SPLIT_HINT,
    });
  }
  return out;
}
