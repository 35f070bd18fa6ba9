// Gate reports as plain data, for tests of what reads them (reports, publication).
import type { GateResult, GatesReport } from '../../gates/index.js';

/** A report over `gates`: the verdict fails when any gate did not pass. */
export function gatesReport(gates: GateResult[], over: Partial<GatesReport> = {}): GatesReport {
  return {
    schemaVersion: 1,
    verdict: gates.some((g) => g.status !== 'pass') ? 'fail' : 'pass',
    mode: 'diff',
    base: 'a'.repeat(40),
    head: 'b'.repeat(40),
    gates,
    dependencies: { added: [], removed: [], changed: [] },
    diff: { files: 3, addedLines: 40, deletedLines: 2 },
    ...over,
  };
}
