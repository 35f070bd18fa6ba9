// Flag parsing shared by the commands: node's parseArgs, with errors that name the flag at fault.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * For `agentgate <group> <sub> ...`: the arguments after `sub`, or, when there is no subcommand or it is
 * --help, an exit code after printing `help` (2 when nothing was asked, 0 for --help).
 */
export function subcommandArgs(
  group: string,
  sub: string,
  argv: string[],
  help: string,
  out: (s: string) => void,
): string[] | number {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    out(help);
    return first === undefined ? 2 : 0;
  }
  if (first !== sub)
    throw new UsageError(`agentgate ${group}: unknown subcommand '${first}' (expected '${sub}')`);
  return rest;
}

export function parseFlags<O extends Options>(
  command: string,
  argv: string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new UsageError(`agentgate ${command}: ${msg}. Run 'agentgate ${command} --help' for usage.`);
  }
}

export function intFlag(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new UsageError(`--${name}: expected a whole number >= ${min}, got '${value}'`);
  }
  return Number(value);
}

export function numberFlag(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min) {
    throw new UsageError(`--${name}: expected a number >= ${min}, got '${value}'`);
  }
  return n;
}

export function requireFlag<T>(name: string, value: T | undefined, expected: string): T {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required (${expected})`);
  return value;
}
