// Real git repositories on disk for tests and the demo.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from '../../lib/exec.js';

export async function sh(cwd: string, file: string, args: string[]): Promise<string> {
  const r = await execFile(file, args, { cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.exitCode}): ${r.output}`);
  return r.stdout;
}

/** Stages everything in `dir` and commits it as a test author. */
export async function commitEverything(dir: string, message: string): Promise<void> {
  const who = ['-c', 'user.name=dev', '-c', 'user.email=dev@example.invalid'];
  await sh(dir, 'git', [...who, 'add', '-A']);
  await sh(dir, 'git', [...who, 'commit', '-qm', message]);
}

/** Copies a fixture folder into a new temp dir and makes it a git repo with one commit on main. */
export async function makeRepo(fixture?: string, files: Record<string, string> = {}): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentgate-repo-'));
  if (fixture) cpSync(fixture, dir, { recursive: true });
  for (const [f, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), content);
  }
  await sh(dir, 'git', ['init', '-q', '-b', 'main']);
  await commitEverything(dir, 'initial');
  return dir;
}

export const DEMO_REPO = fileURLToPath(new URL('../fixtures/demo/repo', import.meta.url));
