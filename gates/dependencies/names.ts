// Names a new dependency should not be: a near miss of a popular package (typosquatting and the
// names models invent — slopsquatting), or a language's built-in module published as a package.
// npm's popular names are npm's own "high-impact" packages (a million downloads a week or 500
// dependents), as the maintained npm-high-impact package lists them; the other ecosystems have a
// short list kept here.
import { npmHighImpact } from 'npm-high-impact';
import type { Ecosystem } from '../types.js';

/** Widely used packages of the ecosystems that have no maintained list to read, roughly most used first. */
const POPULAR_LISTED: Readonly<Record<Exclude<Ecosystem, 'npm'>, readonly string[]>> = {
  pypi: [
    'requests',
    'urllib3',
    'numpy',
    'pandas',
    'scipy',
    'matplotlib',
    'django',
    'flask',
    'fastapi',
    'pydantic',
    'sqlalchemy',
    'psycopg2',
    'pymysql',
    'redis',
    'celery',
    'boto3',
    'botocore',
    'pyyaml',
    'jinja2',
    'click',
    'pytest',
    'tox',
    'setuptools',
    'wheel',
    'pip',
    'six',
    'attrs',
    'certifi',
    'charset-normalizer',
    'idna',
    'cryptography',
    'pyjwt',
    'bcrypt',
    'paramiko',
    'beautifulsoup4',
    'lxml',
    'pillow',
    'scikit-learn',
    'tensorflow',
    'torch',
    'transformers',
    'openai',
    'anthropic',
    'langchain',
    'httpx',
    'aiohttp',
    'uvicorn',
    'gunicorn',
    'python-dateutil',
    'pytz',
    'tqdm',
    'rich',
    'typer',
    'colorama',
    'python-dotenv',
    'selenium',
    'scrapy',
    'pymongo',
    'marshmallow',
    'jsonschema',
    'protobuf',
    'grpcio',
    'black',
    'flake8',
    'mypy',
    'ruff',
    'poetry',
    'virtualenv',
    'docker',
    'kubernetes',
    'ansible',
    'networkx',
    'sympy',
    'opencv-python',
    'nltk',
  ],
  cargo: [
    'serde',
    'serde_json',
    'tokio',
    'rand',
    'regex',
    'clap',
    'anyhow',
    'thiserror',
    'log',
    'env_logger',
    'reqwest',
    'hyper',
    'axum',
    'actix-web',
    'futures',
    'chrono',
    'uuid',
    'lazy_static',
    'once_cell',
    'itertools',
    'syn',
    'quote',
    'proc-macro2',
    'bytes',
    'tracing',
    'tracing-subscriber',
    'sqlx',
    'diesel',
    'rayon',
    'base64',
  ],
  golang: [
    'github.com/gin-gonic/gin',
    'github.com/gorilla/mux',
    'github.com/labstack/echo',
    'github.com/spf13/cobra',
    'github.com/spf13/viper',
    'github.com/sirupsen/logrus',
    'go.uber.org/zap',
    'github.com/stretchr/testify',
    'github.com/google/uuid',
    'github.com/go-sql-driver/mysql',
    'github.com/lib/pq',
    'github.com/jackc/pgx',
    'gorm.io/gorm',
    'github.com/redis/go-redis',
    'github.com/golang-jwt/jwt',
    'golang.org/x/crypto',
    'golang.org/x/net',
    'google.golang.org/grpc',
    'google.golang.org/protobuf',
    'github.com/prometheus/client_golang',
  ],
};

/** Node's core modules. Names npm itself reserves or long-standing polyfills hold are exempt below. */
const NODE_BUILTINS = [
  'assert',
  'async_hooks',
  'buffer',
  'child_process',
  'cluster',
  'console',
  'constants',
  'crypto',
  'dgram',
  'diagnostics_channel',
  'dns',
  'domain',
  'events',
  'fs',
  'http',
  'http2',
  'https',
  'inspector',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'punycode',
  'querystring',
  'readline',
  'repl',
  'stream',
  'string_decoder',
  'sys',
  'timers',
  'tls',
  'trace_events',
  'tty',
  'url',
  'util',
  'v8',
  'vm',
  'wasi',
  'worker_threads',
  'zlib',
];
/** Browser polyfills of core modules that are real, maintained, widely used packages. */
const NODE_POLYFILLS = new Set([
  'assert',
  'buffer',
  'events',
  'process',
  'punycode',
  'querystring',
  'string_decoder',
  'url',
  'util',
  'path',
  'timers',
  'constants',
]);

/** Python's standard library modules; real backports published under the same name are exempt. */
const PYTHON_STDLIB = [
  'abc',
  'argparse',
  'array',
  'ast',
  'asyncio',
  'base64',
  'bisect',
  'calendar',
  'cmath',
  'codecs',
  'collections',
  'concurrent',
  'configparser',
  'contextlib',
  'copy',
  'csv',
  'ctypes',
  'datetime',
  'decimal',
  'difflib',
  'email',
  'enum',
  'fnmatch',
  'fractions',
  'functools',
  'getpass',
  'glob',
  'gzip',
  'hashlib',
  'heapq',
  'hmac',
  'html',
  'http',
  'imaplib',
  'importlib',
  'inspect',
  'io',
  'ipaddress',
  'itertools',
  'json',
  'logging',
  'lzma',
  'math',
  'mimetypes',
  'multiprocessing',
  'operator',
  'os',
  'pathlib',
  'pickle',
  'platform',
  'pprint',
  'queue',
  'random',
  're',
  'secrets',
  'select',
  'shelve',
  'shlex',
  'shutil',
  'signal',
  'smtplib',
  'socket',
  'sqlite3',
  'ssl',
  'statistics',
  'string',
  'struct',
  'subprocess',
  'sys',
  'tempfile',
  'textwrap',
  'threading',
  'time',
  'timeit',
  'tkinter',
  'traceback',
  'types',
  'typing',
  'unittest',
  'urllib',
  'uuid',
  'venv',
  'warnings',
  'weakref',
  'xml',
  'zipfile',
  'zlib',
];
const PYTHON_BACKPORTS = new Set([
  'typing',
  'enum',
  'dataclasses',
  'statistics',
  'ipaddress',
  'mock',
  'futures',
]);

const RUST_BUILTINS = ['std', 'core', 'alloc', 'proc_macro', 'test'];

/** The popular packages of an ecosystem, most used first. */
export function popularNames(ecosystem: Ecosystem): readonly string[] {
  return ecosystem === 'npm' ? npmHighImpact : POPULAR_LISTED[ecosystem];
}

/** PyPI treats runs of `-`, `_` and `.` as one `-`, case-insensitively (PEP 503); crates.io too. */
function normalise(ecosystem: Ecosystem, name: string): string {
  const lower = name.toLowerCase();
  return ecosystem === 'pypi' || ecosystem === 'cargo' ? lower.replace(/[-_.]+/g, '-') : lower;
}

/** The name with every separator dropped: `lo-dash`, `lo_dash` and `lodash` are one. */
const SEPARATORS = '-_.';
const bare = (n: string) => n.replace(/[-_.@/]/g, '');
/** The name's words in order: `dom-react` and `react-dom` are one. Undefined for a single word. */
function wordSet(n: string): string | undefined {
  const words = n.split(/[-_.]+/).filter(Boolean);
  return words.length < 2 ? undefined : words.sort().join('-');
}
const scopeOf = (n: string) => (n.startsWith('@') ? n.slice(0, n.indexOf('/') + 1) : '');

interface PopularIndex {
  /** Each normalised popular name and its rank, 0 the most used. */
  rank: ReadonlyMap<string, number>;
  /** Unscoped names by length, most used first. */
  byLength: ReadonlyMap<number, readonly string[]>;
  /** npm's scoped names by their name within the scope (`core` → `@babel/core`, …). */
  scopedByName: ReadonlyMap<string, readonly string[]>;
  byBare: ReadonlyMap<string, string>;
  byWords: ReadonlyMap<string, string>;
}

const add = <K, V>(map: Map<K, V[]>, key: K, value: V) => {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
};

const indexes = new Map<Ecosystem, PopularIndex>();
function popularIndex(ecosystem: Ecosystem): PopularIndex {
  let index = indexes.get(ecosystem);
  if (index !== undefined) return index;
  const rank = new Map<string, number>();
  const byLength = new Map<number, string[]>();
  const scopedByName = new Map<string, string[]>();
  const byBare = new Map<string, string>();
  const byWords = new Map<string, string>();
  // Most used first, so that the first name kept for a key is the most popular one.
  for (const name of popularNames(ecosystem)) {
    const n = normalise(ecosystem, name);
    if (rank.has(n)) continue;
    rank.set(n, rank.size);
    if (scopeOf(n) === '') add(byLength, n.length, n);
    else add(scopedByName, n.slice(n.indexOf('/') + 1), n);
    if (!byBare.has(bare(n))) byBare.set(bare(n), n);
    const words = scopeOf(n) === '' ? wordSet(n) : undefined;
    if (words !== undefined && !byWords.has(words)) byWords.set(words, n);
  }
  index = { rank, byLength, scopedByName, byBare, byWords };
  indexes.set(ecosystem, index);
  return index;
}

export function isPopular(ecosystem: Ecosystem, name: string): boolean {
  return popularIndex(ecosystem).rank.has(normalise(ecosystem, name));
}

/**
 * Optimal string alignment distance (Levenshtein plus swaps of adjacent characters), or `max + 1`
 * as soon as it is known to exceed `max`. Only the diagonal band `max` wide is computed.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const over = max + 1;
  let before = new Array<number>(b.length + 1).fill(over);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => (j <= max ? j : over));
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(over);
    row[0] = i <= max ? i : over;
    let best = row[0];
    for (let j = Math.max(1, i - max); j <= Math.min(b.length, i + max); j++) {
      let v = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, (before[j - 2] as number) + 1);
      }
      row[j] = Math.min(v, over);
      best = Math.min(best, row[j] as number);
    }
    if (best > max) return over;
    before = prev;
    prev = row;
  }
  return prev[b.length] as number;
}

/** Keys next to each other on a QWERTY keyboard (each row sits half a key right of the one above). */
const KEY_ROWS = ['1234567890-', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
/** Characters read as one another: 1/l/i, 0/o, 5/s, u/v; and the separators. */
const LOOK_ALIKE = ['1l', '1i', 'li', '0o', '5s', 'uv', '-_', '-.', '_.'];

/** Pairs of characters (both orders, as `a << 16 | b` of their codes) that are a slip of the finger or eye. */
const SLIPS: ReadonlySet<number> = (() => {
  const pairs = new Set<number>();
  const pair = (a: string | undefined, b: string | undefined) => {
    if (a === undefined || b === undefined) return;
    pairs.add((a.charCodeAt(0) << 16) | b.charCodeAt(0));
    pairs.add((b.charCodeAt(0) << 16) | a.charCodeAt(0));
  };
  KEY_ROWS.forEach((row, r) => {
    [...row].forEach((key, i) => {
      pair(key, row[i + 1]);
      pair(key, KEY_ROWS[r + 1]?.[i - 1]);
      pair(key, KEY_ROWS[r + 1]?.[i]);
    });
  });
  for (const [a, b] of LOOK_ALIKE) pair(a, b);
  return pairs;
})();

const slip = (a: number, b: number) => SLIPS.has((a << 16) | b);

const counts = new Int32Array(65_536);
/**
 * Characters one has and the other lacks, counted on the side with more: no fewer edits can turn one
 * into the other, and it costs one pass, so it rules most names out before the table is built.
 */
function bagDistance(a: string, b: string): number {
  for (let i = 0; i < a.length; i++) counts[a.charCodeAt(i)] = (counts[a.charCodeAt(i)] as number) + 1;
  for (let i = 0; i < b.length; i++) counts[b.charCodeAt(i)] = (counts[b.charCodeAt(i)] as number) - 1;
  let extraA = 0;
  let extraB = 0;
  // Each count is read, added and cleared once: positives on a's pass, negatives on b's.
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    const n = counts[c] as number;
    if (n > 0) {
      extraA += n;
      counts[c] = 0;
    }
  }
  for (let i = 0; i < b.length; i++) {
    const c = b.charCodeAt(i);
    const n = counts[c] as number;
    if (n < 0) {
      extraB -= n;
      counts[c] = 0;
    }
  }
  return Math.max(extraA, extraB);
}

/** The three rows typoDistance works in, kept between calls (it runs thousands of times a name). */
let rows: [Int32Array, Int32Array, Int32Array] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/** What inserting each character of `name` costs: 1 for a doubled key, a neighbouring key or a separator. */
function insertCosts(name: string): Int32Array {
  const costs = new Int32Array(name.length);
  for (let j = 0; j < name.length; j++) {
    const c = name.charCodeAt(j);
    const near = (k: number) =>
      k >= 0 && k < name.length && (name.charCodeAt(k) === c || slip(name.charCodeAt(k), c));
    costs[j] = near(j - 1) || near(j + 1) || SEPARATORS.includes(name[j] as string) ? 1 : 2;
  }
  return costs;
}

/**
 * How far `name` is from `popular` in the typos people make: a dropped character, a swap of two
 * neighbours, a doubled character or a neighbouring key typed too, a neighbouring key or look-alike
 * instead of the right one, a separator added, dropped or changed — each costs 1; any other insertion
 * or substitution costs 2. Stops at `max + 1`. Only the diagonal band `max` wide is computed.
 */
export function typoDistance(
  popular: string,
  name: string,
  max: number,
  inserts = insertCosts(name),
): number {
  const over = max + 1;
  const width = name.length + 1;
  if (Math.abs(popular.length - name.length) > max || bagDistance(popular, name) > max) return over;
  if (rows[0].length < width)
    rows = [new Int32Array(width * 2), new Int32Array(width * 2), new Int32Array(width * 2)];
  let [before, prev, row] = rows;
  before.fill(over, 0, width);
  prev.fill(over, 0, width);
  prev[0] = 0;
  for (let j = 1; j <= Math.min(name.length, max); j++) {
    prev[j] = Math.min(over, (prev[j - 1] as number) + (inserts[j - 1] as number));
  }
  for (let i = 1; i <= popular.length; i++) {
    row.fill(over, 0, width);
    row[0] = i <= max ? i : over;
    let best = row[0] as number;
    const p = popular.charCodeAt(i - 1);
    for (let j = Math.max(1, i - max); j <= Math.min(name.length, i + max); j++) {
      const n = name.charCodeAt(j - 1);
      const substitute = p === n ? 0 : slip(p, n) ? 1 : 2;
      let v = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + (inserts[j - 1] as number),
        (prev[j - 1] as number) + substitute,
      );
      if (i > 1 && j > 1 && p === name.charCodeAt(j - 2) && popular.charCodeAt(i - 2) === n) {
        v = Math.min(v, (before[j - 2] as number) + 1);
      }
      row[j] = Math.min(v, over);
      best = Math.min(best, row[j] as number);
    }
    if (best > max) return over;
    [before, prev, row] = [prev, row, before];
  }
  return prev[name.length] as number;
}

/** How a name imitates a popular one. */
export interface NearMiss {
  /** The popular package, as the registry spells it (normalised for PyPI and crates.io). */
  popular: string;
  /** Edit distance (insertions, deletions, substitutions, swaps of neighbours) between the two. */
  distance: number;
  /**
   * `typo`: the typos people make (see typoDistance); `separators`: the same letters with other
   * separators or an npm scope spelt out (`types-node`); `word order`; `scope`: a slip in an npm scope.
   */
  how: 'typo' | 'separators' | 'word order' | 'scope';
}

/** Typo cost allowed for a popular name of this length: short names are dense, so 1; 8+ letters, 2. */
const allowedCost = (target: string) => (target.length >= 8 ? 2 : 1);

/**
 * The popular package `name` imitates, if any, and how:
 * - within typo cost 1 of a popular name under 8 characters, 2 of a longer one (see typoDistance);
 * - the same letters with other separators (`crossenv`, `types-node` for `@types/node`), or the same
 *   words in another order (`dom-react`);
 * - for an npm scoped name, a popular scoped name with the same package name and a scope one slip away
 *   (`@bable/core`). A scoped name is otherwise not judged: only its scope's owner can publish it.
 * Never when `name` is itself popular; names shorter than 4 characters are not judged. The closest
 * match wins; among equals, the most used.
 */
export function typosquat(ecosystem: Ecosystem, name: string): NearMiss | undefined {
  const n = normalise(ecosystem, name);
  const index = popularIndex(ecosystem);
  if (index.rank.has(n)) return undefined;
  const miss = (popular: string, how: NearMiss['how']): NearMiss => ({
    popular,
    distance: editDistance(n, popular, Math.max(n.length, popular.length)),
    how,
  });
  const scope = scopeOf(n);
  if (scope !== '') {
    const own = n.slice(scope.length);
    const target = (index.scopedByName.get(own) ?? []).find(
      (p) => scopeOf(p).length >= 6 && typoDistance(scopeOf(p), scope, 1) <= 1,
    );
    return target === undefined ? undefined : miss(target, 'scope');
  }
  if (n.length < 4) return undefined;
  const rankOf = (p: string) => index.rank.get(p) ?? Number.POSITIVE_INFINITY;
  const inserts = insertCosts(n);
  let best: { popular: string; cost: number } | undefined;
  for (let length = n.length - 2; length <= n.length + 2; length++) {
    for (const p of index.byLength.get(length) ?? []) {
      const max = allowedCost(p);
      if (Math.abs(p.length - n.length) > max) continue;
      const cost = typoDistance(p, n, max, inserts);
      if (cost > max) continue;
      if (
        best === undefined ||
        cost < best.cost ||
        (cost === best.cost && rankOf(p) < rankOf(best.popular))
      ) {
        best = { popular: p, cost };
      }
    }
  }
  if (best !== undefined) return miss(best.popular, 'typo');
  const b = bare(n);
  const sameLetters = b.length >= 4 ? index.byBare.get(b) : undefined;
  if (sameLetters !== undefined) return miss(sameLetters, 'separators');
  const words = wordSet(n);
  const reordered = words === undefined ? undefined : index.byWords.get(words);
  return reordered === undefined ? undefined : miss(reordered, 'word order');
}

/** The popular package `name` imitates, if any (see `typosquat`). */
export function typosquatOf(ecosystem: Ecosystem, name: string): string | undefined {
  return typosquat(ecosystem, name)?.popular;
}

/** True when `name` is a built-in module of the ecosystem's language and not a known real package. */
export function isBuiltinName(ecosystem: Ecosystem, name: string): boolean {
  const n = name.toLowerCase();
  switch (ecosystem) {
    case 'npm':
      return NODE_BUILTINS.includes(n.replace(/^node:/, '')) && !NODE_POLYFILLS.has(n);
    case 'pypi':
      return PYTHON_STDLIB.includes(n) && !PYTHON_BACKPORTS.has(n);
    case 'cargo':
      return RUST_BUILTINS.includes(n);
    default:
      return false;
  }
}
