// The per-VM config drive: a tar archive written to a small raw disk that the guest reads as a block
// device (`tar -xf /dev/vdb`). It carries the JIT runner config and the isolation statement, so the
// config never appears on the kernel command line, in the image, or in the host's process list.
// The file is created 0600 and deleted with the VM.
import { writeFile } from 'node:fs/promises';

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, length, 'ascii');
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** One ustar header for a regular file. */
function header(name: string, size: number, mode: number): Buffer {
  if (Buffer.byteLength(name) > 100 || !/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new Error(`config drive: '${name}' is not a plain file name of at most 100 characters`);
  }
  const h = Buffer.alloc(BLOCK, 0);
  field(h, 0, 100, name);
  field(h, 100, 8, octal(mode, 8));
  field(h, 108, 8, octal(0, 8));
  field(h, 116, 8, octal(0, 8));
  field(h, 124, 12, octal(size, 12));
  field(h, 136, 12, octal(0, 12));
  field(h, 148, 8, '        ');
  field(h, 156, 1, '0');
  field(h, 257, 6, 'ustar\0');
  field(h, 263, 2, '00');
  let sum = 0;
  for (const byte of h) sum += byte;
  field(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** A tar archive (ustar) of `files`, in the given order, padded to whole blocks. */
export function tarArchive(files: Record<string, string | Buffer>, mode = 0o600): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    parts.push(header(name, data.length, mode), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** The files on a runner VM's config drive. */
export interface ConfigDriveContents {
  /** The encoded JIT config from the generate-jitconfig API. */
  jitconfig: string;
  /** /etc/agentgate/isolation.json for the guest. */
  isolation: object;
  /** The guest's way out: the proxy URL it sets as https_proxy, and the forwards behind it. */
  egress: object;
  /** More plain files. */
  extra?: Record<string, string>;
}

export async function writeConfigDrive(file: string, c: ConfigDriveContents): Promise<void> {
  const archive = tarArchive({
    jitconfig: c.jitconfig,
    'isolation.json': `${JSON.stringify(c.isolation)}\n`,
    'egress.json': `${JSON.stringify(c.egress)}\n`,
    ...c.extra,
  });
  await writeFile(file, archive, { mode: 0o600 });
}
