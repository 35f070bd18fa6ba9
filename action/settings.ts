// The action's inputs, parsed once into a typed settings object. Errors name the input and the expected form.
import { z } from 'zod';
import { INPUT_DEFAULTS, Inputs } from './constants.js';
import { ENGINE_MODES } from './engines.js';
import { UsageError } from './errors.js';

const positiveInt = (name: string) =>
  z
    .string()
    .regex(/^\d+$/, `Invalid ${name}: expected a whole number`)
    .transform(Number)
    .refine((n) => n >= 1, `Invalid ${name}: expected at least 1`);
const wholeNumber = (name: string) =>
  z.string().regex(/^\d+$/, `Invalid ${name}: expected a whole number (0 or more)`).transform(Number);
const positiveNumber = (name: string) =>
  z
    .string()
    .refine(
      (s) => s.trim() !== '' && Number.isFinite(Number(s)) && Number(s) > 0,
      `Invalid ${name}: expected a number > 0`,
    )
    .transform(Number);
/** YAML 1.2 core schema booleans, as @actions/core's getBooleanInput reads them. */
const boolean = (name: string) =>
  z
    .string()
    .refine((s) => /^(true|True|TRUE|false|False|FALSE)$/.test(s), `Invalid ${name}: expected true or false`)
    .transform((s) => s.toLowerCase() === 'true');
/** GitHub label names: up to 50 characters, no commas in our comma-separated form. */
const labelList = (name: string) =>
  z
    .string()
    .transform((s) =>
      s
        .split(/[,\n]/)
        .map((l) => l.trim())
        .filter((l) => l !== ''),
    )
    .refine(
      (ls) => ls.every((l) => l.length <= 50),
      `Invalid ${name}: label names are at most 50 characters`,
    );
const branchName = (name: string) =>
  z
    .string()
    .refine(
      (s) => !/(^[-/.]|\.\.|[\s~^:?*[\\]|@\{|\/$|\.lock$|\.$)/.test(s),
      `Invalid ${name}: expected a git branch name, e.g. main`,
    );

export const MODES = ['auto', 'agent', 'gate', 'flaky'] as const;
export const FLAKY_FRAMEWORKS = ['vitest', 'jest', 'pytest', 'go'] as const;

export const ActionInputsSchema = z
  .object({
    [Inputs.Mode]: z.enum(MODES, { error: `Invalid ${Inputs.Mode}: expected one of ${MODES.join('|')}` }),
    [Inputs.Task]: z.string().optional(),
    [Inputs.TaskFile]: z.string().optional(),
    [Inputs.Model]: z.string().optional(),
    [Inputs.AnthropicApiKey]: z.string().optional(),
    [Inputs.GitHubToken]: z.string().optional(),
    [Inputs.Policy]: z.string().optional(),
    [Inputs.TestCommand]: z.string().optional(),
    [Inputs.MaxTurns]: positiveInt(Inputs.MaxTurns).optional(),
    [Inputs.MaxCostUsd]: positiveNumber(Inputs.MaxCostUsd).optional(),
    [Inputs.TimeoutMinutes]: positiveNumber(Inputs.TimeoutMinutes).optional(),
    [Inputs.ModelRetryMinutes]: positiveNumber(Inputs.ModelRetryMinutes),
    [Inputs.TriggerLabel]: z.string().max(50, `Invalid ${Inputs.TriggerLabel}: at most 50 characters`),
    [Inputs.PrLabels]: labelList(Inputs.PrLabels),
    [Inputs.Draft]: boolean(Inputs.Draft),
    [Inputs.BaseBranch]: branchName(Inputs.BaseBranch).optional(),
    [Inputs.ArtifactRetentionDays]: positiveInt(Inputs.ArtifactRetentionDays).refine(
      (n) => n <= 90,
      `Invalid ${Inputs.ArtifactRetentionDays}: expected 1 to 90 days`,
    ),
    [Inputs.GateAllPullRequests]: boolean(Inputs.GateAllPullRequests),
    [Inputs.DryRun]: boolean(Inputs.DryRun),
    [Inputs.Engines]: z.enum(ENGINE_MODES, {
      error: `Invalid ${Inputs.Engines}: expected one of ${ENGINE_MODES.join('|')}`,
    }),
    [Inputs.SetupCommand]: z.string().optional(),
    [Inputs.FlakyRuns]: wholeNumber(Inputs.FlakyRuns),
    [Inputs.FlakyConfirm]: positiveInt(Inputs.FlakyConfirm),
    [Inputs.FlakyFixReruns]: positiveInt(Inputs.FlakyFixReruns),
    [Inputs.FlakyDays]: wholeNumber(Inputs.FlakyDays),
    [Inputs.FlakyMaxCandidates]: positiveInt(Inputs.FlakyMaxCandidates),
    [Inputs.FlakyMaxPrs]: wholeNumber(Inputs.FlakyMaxPrs),
    [Inputs.FlakyMaxCostUsd]: positiveNumber(Inputs.FlakyMaxCostUsd),
    [Inputs.FlakyFramework]: z
      .enum(FLAKY_FRAMEWORKS, {
        error: `Invalid ${Inputs.FlakyFramework}: expected one of ${FLAKY_FRAMEWORKS.join('|')}`,
      })
      .optional(),
    [Inputs.FlakyRunner]: z.string().optional(),
  })
  .refine((v) => !(v[Inputs.Task] && v[Inputs.TaskFile]), {
    message: `Set at most one of '${Inputs.Task}' or '${Inputs.TaskFile}'.`,
  });

export type ActionInputs = z.infer<typeof ActionInputsSchema>;

/** `get` returns '' for an input that was not set (as @actions/core does); declared defaults apply then. */
export function parseActionInputs(get: (name: string) => string): ActionInputs {
  const raw: Record<string, string> = {};
  const defaults: Record<string, string> = INPUT_DEFAULTS;
  for (const name of Object.values(Inputs)) {
    const v = get(name).trim();
    if (v !== '') raw[name] = v;
    else if (defaults[name] !== undefined) raw[name] = defaults[name];
  }
  const r = ActionInputsSchema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    const input = first?.path[0] !== undefined ? `input '${String(first.path[0])}': ` : '';
    throw new UsageError(`${input}${first?.message ?? 'invalid inputs'}`);
  }
  return r.data;
}

/** The task's text from the `task` or `task-file` input, or undefined when neither is set. */
export function taskSource(inputs: ActionInputs): { text: string } | { file: string } | undefined {
  const text = inputs[Inputs.Task];
  if (text) return { text };
  const file = inputs[Inputs.TaskFile];
  return file ? { file } : undefined;
}
