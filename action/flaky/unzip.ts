// A minimal zip reader for the test-report artifacts GitHub Actions serves (upload-artifact writes plain
// zips: stored or deflated entries, no encryption). It reads the central directory at the end of the
// archive, then each wanted entry's data after its local header; deflate is node:zlib's inflateRawSync,
// bounded by the entry's declared size and the caller's limits. ZIP64, encrypted entries and other
// methods are skipped with a reason, never guessed at. No zip library is a dependency of agentgate.
import { inflateRawSync } from 'node:zlib';

export interface UnzipLimits {
  /** Entries whose uncompressed size is over this are skipped. */
  maxEntryBytes: number;
  /** Extraction stops once this many uncompressed bytes are out. */
  maxTotalBytes: number;
}

export interface Unzipped {
  entries: { name: string; data: Buffer }[];
  /** One line per entry left out and why (too big, ZIP64, encrypted, unknown method). */
  skipped: string[];
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record is 22 bytes plus a comment of at most 65535. */
const EOCD_SEARCH = 22 + 0xffff;

/** The entries of `zip` whose name `want` accepts. Throws when the bytes are not a zip archive. */
export function unzip(zip: Buffer, want: (name: string) => boolean, limits: UnzipLimits): Unzipped {
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - EOCD_SEARCH); i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip archive: no end-of-central-directory record');
  const count = zip.readUInt16LE(end + 10);
  const dirOffset = zip.readUInt32LE(end + 16);
  const entries: Unzipped['entries'] = [];
  const skipped: string[] = [];
  let total = 0;
  let at = dirOffset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL) {
      throw new Error(
        `corrupt zip archive: central directory entry ${n + 1} of ${count} is not where it should be`,
      );
    }
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const packed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLen).toString(flags & 0x0800 ? 'utf8' : 'latin1');
    at += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/') || !want(name)) continue;
    if (flags & 0x0001) {
      skipped.push(`${name}: encrypted`);
      continue;
    }
    if (packed === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) {
      skipped.push(`${name}: ZIP64 entries are not read`);
      continue;
    }
    if (method !== 0 && method !== 8) {
      skipped.push(`${name}: compression method ${method} is not read (only stored and deflate)`);
      continue;
    }
    if (size > limits.maxEntryBytes) {
      skipped.push(`${name}: ${size} bytes is over the ${limits.maxEntryBytes}-byte limit per report`);
      continue;
    }
    if (total + size > limits.maxTotalBytes) {
      skipped.push(`${name}: the ${limits.maxTotalBytes}-byte limit per archive is reached`);
      continue;
    }
    if (localOffset + 30 > zip.length || zip.readUInt32LE(localOffset) !== LOCAL) {
      throw new Error(`corrupt zip archive: the local header of ${name} is missing`);
    }
    const start = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const body = zip.subarray(start, start + packed);
    // The declared size bounds the inflation too: a lying header cannot make this allocate more.
    const data =
      method === 0 ? Buffer.from(body) : inflateRawSync(body, { maxOutputLength: Math.max(size, 1) });
    total += data.length;
    entries.push({ name, data });
  }
  return { entries, skipped };
}
