// The warm disk: a baked directory packed into an ext4 image (read by debugfs, never mounted here), and the
// launcher's schedule of rebuilds — a VM keeps the disk it booted with, a failed rebuild keeps the last
// good disk, and nothing is left once the schedule stops and the VMs have ended.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWarmDisk, WARM_DISK_LABEL, WarmDisks } from '../../action/warm-disk.js';
import type { WarmManifest } from '../../action/warm-state.js';
import { execFile } from '../../lib/exec.js';

const temp = (label: string) => mkdtempSync(path.join(os.tmpdir(), `agentgate-warm-disk-${label}-`));
const env = { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` };

async function debugfs(disk: string, request: string): Promise<string> {
  const r = await execFile('debugfs', ['-R', request, disk], { env, timeoutMs: 20_000 });
  expect(r.exitCode, r.output).toBe(0);
  return r.stdout;
}

function manifest(commit: string): WarmManifest {
  return {
    repository: '/srv/app.git',
    key: 'file:/srv/app',
    ref: 'HEAD',
    commit,
    bakedAt: new Date().toISOString(),
  };
}

/** A stand-in for the bake: writes warm.json and a file only root could read. */
function fakeBake(dir: string, commits: string[]) {
  let n = 0;
  return async () => {
    const commit = commits[n++];
    if (!commit) throw new Error('the mirror fetch failed');
    mkdirSync(path.join(dir, 'setup-cache'), { recursive: true });
    writeFileSync(path.join(dir, 'setup-cache', 'entry.tar'), 'x'.repeat(4096), { mode: 0o600 });
    chmodSync(path.join(dir, 'setup-cache', 'entry.tar'), 0o600);
    writeFileSync(path.join(dir, 'warm.json'), JSON.stringify(manifest(commit)));
    return manifest(commit);
  };
}

describe('makeWarmDisk', () => {
  it('packs the directory into a labelled ext4 image, every file readable by the guest', async () => {
    const dir = temp('dir');
    await fakeBake(dir, ['a'.repeat(40)])();
    const disk = path.join(temp('out'), 'warm.ext4');
    const bytes = await makeWarmDisk(dir, disk, env);
    expect(bytes).toBeGreaterThan(32 * 2 ** 20);
    const super_ = await debugfs(disk, 'stats');
    expect(super_).toMatch(new RegExp(`Filesystem volume name:\\s+${WARM_DISK_LABEL}`));
    expect(super_).not.toMatch(/has_journal/);
    expect(await debugfs(disk, 'ls -l /')).toMatch(/warm\.json/);
    // The guest's runner is not root: a 0600 file of the bake is 0644 on the disk.
    expect(await debugfs(disk, 'stat /setup-cache/entry.tar')).toMatch(/Mode:\s+0644/);
    expect(readdirSync(path.dirname(disk))).toEqual(['warm.ext4']);
  });

  it('refuses a directory that was never baked', async () => {
    await expect(makeWarmDisk(temp('empty'), path.join(temp('out'), 'warm.ext4'), env)).rejects.toThrow(
      /holds no warm\.json: bake it first/,
    );
  });
});

describe('WarmDisks', () => {
  it('gives new VMs the newest disk, keeps an older one while a VM holds it, and survives a failed rebuild', async () => {
    const dir = temp('state');
    const disksDir = temp('disks');
    const log: string[] = [];
    const disks = new WarmDisks({
      bake: fakeBake(dir, ['a'.repeat(40), 'b'.repeat(40)]),
      dir,
      disksDir,
      everyMs: 60_000,
      env,
      log: (l) => log.push(l),
    });
    // Before the first bake a VM starts cold.
    const cold = disks.acquire();
    expect(cold.file).toBeUndefined();
    cold.release();

    expect(await disks.refresh()).toBe(true);
    const first = disks.acquire();
    expect(first.manifest?.commit).toBe('a'.repeat(40));
    expect(await disks.refresh()).toBe(true);
    const second = disks.acquire();
    expect(second.manifest?.commit).toBe('b'.repeat(40));
    // The first VM still runs on the first disk.
    expect(existsSync(first.file as string)).toBe(true);
    first.release();
    first.release(); // twice is harmless
    expect(existsSync(first.file as string)).toBe(false);

    // The next bake fails: VMs keep getting the last good disk.
    expect(await disks.refresh()).toBe(false);
    expect(log.at(-1)).toMatch(
      /the rebuild failed \(the mirror fetch failed\); VMs keep the disk of bbbbbbbbbbbb/,
    );
    const third = disks.acquire();
    expect(third.file).toBe(second.file);
    expect(disks.stats).toEqual({ built: 2, failed: 1 });

    // Stopping deletes what no VM holds; a held disk goes when its VM ends.
    second.release();
    await disks.stop();
    expect(existsSync(third.file as string)).toBe(true);
    third.release();
    expect(readdirSync(disksDir)).toEqual([]);
  });

  it('rebuilds on its schedule, one rebuild at a time', async () => {
    const dir = temp('state');
    const disksDir = temp('disks');
    const commits = Array.from({ length: 50 }, (_, i) => String(i).padStart(40, '0'));
    const disks = new WarmDisks({
      bake: fakeBake(dir, commits),
      dir,
      disksDir,
      everyMs: 20,
      env,
      log: () => {},
    });
    disks.start();
    const until = Date.now() + 20_000;
    while (disks.stats.built < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await disks.stop();
    expect(disks.stats.built).toBeGreaterThanOrEqual(3);
    expect(disks.stats.failed).toBe(0);
    expect(readdirSync(disksDir)).toEqual([]);
  }, 30_000);
});
