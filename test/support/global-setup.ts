// Before any test: the system packages the tests need (scripts/system-deps.mjs installs them as root or
// with passwordless sudo, or the run stops with one message naming them and the command). Then one
// temporary directory per test run: every test file's os.tmpdir() points inside it (TMPDIR is set before
// the workers start), and it is removed when the run ends, so runs leave nothing in /tmp.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureSystemDeps } from '../../scripts/system-deps.mjs';

export default function setup(): () => void {
  const deps = ensureSystemDeps('test');
  if (!deps.ok) {
    process.stderr.write(`\n${deps.message}\n`);
    process.exit(2);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-test-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
