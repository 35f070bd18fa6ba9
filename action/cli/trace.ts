import { UsageError } from '../errors.js';
import { verifyTraceFile } from '../trace/trace.js';
import { parseFlags, subcommandArgs } from './args.js';

export const TRACE_HELP = `Usage: agentgate trace verify FILE [--head SHA256]

Checks a session trace (JSONL): every line parses, seq counts up from 0, and each line's
'prev' is the sha256 of the line before it, so an edited, inserted, deleted or reordered
line is detected.

  --head SHA256   also require the last line to hash to this value (result.json's trace.head),
                  which detects lines cut off the end and an edited last line

Exit codes: 0 the chain is intact, 1 it is broken (the first bad line is named), 2 usage.`;

export async function traceCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const rest = subcommandArgs('trace', 'verify', argv, TRACE_HELP, out);
  if (typeof rest === 'number') return rest;
  const { values, positionals } = parseFlags('trace verify', rest, { head: { type: 'string' } }, true);
  if (values.help) {
    out(TRACE_HELP);
    return 0;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1)
    throw new UsageError('agentgate trace verify: expected exactly one FILE');
  const r = await verifyTraceFile(file).catch((e: unknown) => {
    throw new UsageError(`trace verify: cannot read '${file}': ${(e as Error).message}`);
  });
  if (values.head !== undefined && !/^[0-9a-f]{64}$/.test(values.head)) {
    throw new UsageError(`--head: expected a sha256 in hex (64 characters), got '${values.head}'`);
  }
  if (r.ok && values.head !== undefined && r.head !== values.head) {
    out(
      `broken: ${file}: the last line (${r.lines}) does not hash to --head: lines were cut off or the last line was edited`,
    );
    return 1;
  }
  if (r.ok) {
    out(`ok: ${file}: ${r.lines} lines, chain intact (head ${r.head.slice(0, 16)})`);
    return 0;
  }
  out(`broken: ${file}: line ${r.line}: ${r.reason}`);
  return 1;
}
