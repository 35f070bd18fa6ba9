// The action's inputs, parsed once into a typed settings object. Errors name the input and the expected form.
import { z } from 'zod';
import { Inputs } from './constants.js';
import { UsageError } from './errors.js';

const positiveInt = (name: string) =>
  z
    .string()
    .regex(/^\d+$/, `Invalid ${name}: expected a whole number`)
    .transform(Number)
    .refine((n) => n >= 1, `Invalid ${name}: expected at least 1`);
const positiveNumber = (name: string) =>
  z
    .string()
    .refine(
      (s) => s.trim() !== '' && Number.isFinite(Number(s)) && Number(s) > 0,
      `Invalid ${name}: expected a number > 0`,
    )
    .transform(Number);

export const ActionInputsSchema = z
  .object({
    [Inputs.Task]: z.string().optional(),
    [Inputs.TaskFile]: z.string().optional(),
    [Inputs.Model]: z.string().optional(),
    [Inputs.AnthropicApiKey]: z.string().optional(),
    [Inputs.Policy]: z.string().optional(),
    [Inputs.TestCommand]: z.string().optional(),
    [Inputs.MaxTurns]: positiveInt(Inputs.MaxTurns).optional(),
    [Inputs.MaxCostUsd]: positiveNumber(Inputs.MaxCostUsd).optional(),
    [Inputs.TimeoutMinutes]: positiveNumber(Inputs.TimeoutMinutes).optional(),
  })
  .refine((v) => Boolean(v[Inputs.Task]) !== Boolean(v[Inputs.TaskFile]), {
    message: `Set exactly one of '${Inputs.Task}' or '${Inputs.TaskFile}'.`,
  });

export type ActionInputs = z.infer<typeof ActionInputsSchema>;

/** `get` returns '' for an input that was not set (as @actions/core does). */
export function parseActionInputs(get: (name: string) => string): ActionInputs {
  const raw: Record<string, string> = {};
  for (const name of Object.values(Inputs)) {
    const v = get(name).trim();
    if (v !== '') raw[name] = v;
  }
  const r = ActionInputsSchema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    const input = first?.path[0] !== undefined ? `input '${String(first.path[0])}': ` : '';
    throw new UsageError(`${input}${first?.message ?? 'invalid inputs'}`);
  }
  return r.data;
}
