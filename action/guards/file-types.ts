// File types: the file tools open regular files and directories only. A FIFO, a socket or a device could
// block a read or a write for ever (or never end: /dev/zero), so it is refused before it is opened, by
// the type of the final target (the caller passes a realpath, so symlinks are already followed), and
// checked again on the open descriptor: a file swapped for a FIFO in between is refused too.
import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, stat } from 'node:fs/promises';

export type WantedType = 'file' | 'directory' | 'file or directory';

/** What a path is, in words for a refusal. */
export function typeName(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'a special file';
}

function fits(st: Stats, want: WantedType): boolean {
  if (want === 'file') return st.isFile();
  if (want === 'directory') return st.isDirectory();
  return st.isFile() || st.isDirectory();
}

/** The refusal for `shown` (the path as the model gave it) when `st` is not what the tool works on. */
export function typeRefusal(st: Stats, shown: string, want: WantedType): string | undefined {
  if (fits(st, want)) return undefined;
  return `refused: '${shown}' is ${typeName(st)}, not ${want === 'directory' ? 'a directory' : `a regular ${want}`}; only regular files and directories are opened (anything else could block or never end)`;
}

/** Throws the refusal when `abs` (a realpath) exists and is not of the wanted type; a missing path passes when `missingOk`. */
export async function requireType(
  abs: string,
  shown: string,
  want: WantedType,
  opts: { missingOk?: boolean } = {},
): Promise<void> {
  let st: Stats;
  try {
    st = await stat(abs);
  } catch (e) {
    if (opts.missingOk && (e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const refusal = typeRefusal(st, shown, want);
  if (refusal) throw new Error(refusal);
}

async function openRegular(abs: string, shown: string, flags: number): Promise<FileHandle> {
  // O_NONBLOCK: opening a FIFO never waits for a peer (a writer without a reader fails with ENXIO);
  // O_NOFOLLOW: `abs` is a realpath, so a link here appeared since it was resolved.
  let fh: FileHandle;
  try {
    fh = await open(abs, flags | constants.O_NONBLOCK | constants.O_NOFOLLOW, 0o666);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new Error(`refused: '${shown}' became a symbolic link while it was opened`);
    if (code === 'ENXIO') throw new Error(`refused: '${shown}' is a FIFO (named pipe), not a regular file`);
    throw e;
  }
  const st = await fh.stat();
  const refusal = typeRefusal(st, shown, 'file');
  if (refusal) {
    await fh.close();
    throw new Error(refusal);
  }
  return fh;
}

/** Reads `abs` (a realpath) when it is a regular file; anything else is refused before and after it is opened. */
export async function readRegularFile(abs: string, shown: string): Promise<Buffer> {
  const refusal = typeRefusal(await lstat(abs), shown, 'file');
  if (refusal) throw new Error(refusal);
  const fh = await openRegular(abs, shown, constants.O_RDONLY);
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/** Creates or overwrites `abs` (a realpath) as a regular file; an existing FIFO, socket or device is refused. */
export async function writeRegularFile(abs: string, shown: string, data: string): Promise<void> {
  const existing = await lstat(abs).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  const refusal = existing && typeRefusal(existing, shown, 'file');
  if (refusal) throw new Error(refusal);
  // Truncated only once the descriptor is known to be a regular file.
  const fh = await openRegular(abs, shown, constants.O_WRONLY | constants.O_CREAT);
  try {
    await fh.truncate(0);
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
}
