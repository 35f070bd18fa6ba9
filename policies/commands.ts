// Reads a shell command line the way a POSIX shell would, far enough to know every program it runs:
// it splits on control operators, removes quotes, drops redirections, and treats the contents of
// $(...), `...` and <(...) as commands of their own. What it cannot follow (case statements, function
// definitions, substitutions hidden in here-documents or ${...}) is an error, so the caller can refuse
// the command rather than guess.

export interface CommandSegment {
  /** The words of one simple command, quotes removed. Substitutions stay as written, e.g. `$(date)`. */
  argv: string[];
  /** The segment as written in the command line. */
  text: string;
}

export type SplitResult = { segments: CommandSegment[] } | { error: string };

/** One program the command line runs, after assignments, keywords and wrappers like `env` are peeled off. */
export interface Invocation {
  /** The program as written (`./node_modules/.bin/vitest`). */
  executable: string;
  /** The program and its arguments. */
  argv: string[];
  /** argv joined with single spaces: what command patterns are matched against. */
  text: string;
}

export type CommandAnalysis = { invocations: Invocation[]; segmentTexts: string[] } | { error: string };

export const MAX_COMMAND_LENGTH = 100_000;
/** How deep substitutions and `sh -c` strings may nest before the command is refused. */
export const MAX_NESTING = 8;

class ParseError extends Error {}

/** Characters that end an unquoted word. */
const WORD_END = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);
/** Redirection operators, longest first. */
const REDIRECTIONS = ['<<<', '<<-', '<<', '&>>', '&>', '>>', '>&', '<&', '<>', '>|', '<', '>'];
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=/;

interface PendingHeredoc {
  delimiter: string;
  stripTabs: boolean;
  expands: boolean;
}

class Lexer {
  private pos = 0;
  private readonly heredocs: PendingHeredoc[] = [];

  constructor(
    private readonly src: string,
    private readonly out: CommandSegment[],
    private readonly depth: number,
  ) {
    if (depth > MAX_NESTING) throw new ParseError(`substitutions nested more than ${MAX_NESTING} deep`);
  }

  parse(): void {
    this.parseList(false);
  }

  /** Reads commands up to the end of the input, or up to the `)` that closes a substitution. */
  private parseList(closing: boolean): void {
    let words: string[] = [];
    let start = -1;
    let groups = 0;
    const flush = () => {
      if (start >= 0) {
        const text = this.src.slice(start, this.pos).trim();
        if (words.length > 0 || text !== '') this.out.push({ argv: words, text });
      }
      words = [];
      start = -1;
    };
    const mark = () => {
      if (start < 0) start = this.pos;
    };
    for (;;) {
      this.skipBlanks();
      const c = this.src[this.pos];
      const next = this.src[this.pos + 1];
      if (c === undefined) {
        if (closing) throw new ParseError("a '$(' or '<(' is never closed");
        if (groups > 0) throw new ParseError("a '(' is never closed");
        flush();
        return;
      }
      if (c === '\n') {
        flush();
        this.pos++;
        this.readHeredocBodies();
      } else if (c === '#') {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else if (c === ';') {
        if (next === ';' || next === '&') throw new ParseError('case statements are not supported');
        flush();
        this.pos++;
      } else if (c === '&' && next === '>') {
        mark();
        this.readRedirection();
      } else if (c === '&' || c === '|') {
        flush();
        this.pos += next === '&' || next === '|' ? 2 : 1;
      } else if (c === '(') {
        if (words.length > 0) throw new ParseError(`unexpected '(' after '${words.join(' ')}'`);
        flush();
        groups++;
        this.pos++;
      } else if (c === ')') {
        flush();
        this.pos++;
        if (groups > 0) groups--;
        else if (closing) return;
        else throw new ParseError("unmatched ')'");
      } else if ((c === '<' || c === '>') && next !== '(') {
        mark();
        this.readRedirection();
      } else if (/^\d+[<>]/.test(this.src.slice(this.pos, this.pos + 12)) && this.fdRedirection()) {
        mark();
        this.readRedirection();
      } else {
        mark();
        words.push(this.readWord().value);
      }
    }
  }

  /** Skips the digits of `2>file` when they are a whole word, and says whether it did. */
  private fdRedirection(): boolean {
    let i = this.pos;
    while (/\d/.test(this.src[i] ?? '')) i++;
    if (i - this.pos > 10) return false;
    this.pos = i;
    return true;
  }

  private skipBlanks(): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t') this.pos++;
      else if (c === '\\' && this.src[this.pos + 1] === '\n') this.pos += 2;
      else return;
    }
  }

  private readRedirection(): void {
    const op = REDIRECTIONS.find((r) => this.src.startsWith(r, this.pos)) ?? '>';
    this.pos += op.length;
    this.skipBlanks();
    const c = this.src[this.pos];
    if (c === undefined || (WORD_END.has(c) && !this.src.startsWith('<(', this.pos))) {
      throw new ParseError(`'${op}' is not followed by a word`);
    }
    const target = this.readWord();
    if (op === '<<' || op === '<<-') {
      this.heredocs.push({ delimiter: target.value, stripTabs: op === '<<-', expands: !target.quoted });
    }
  }

  private readHeredocBodies(): void {
    for (const doc of this.heredocs.splice(0)) {
      let body = '';
      while (this.pos < this.src.length) {
        const eol = this.src.indexOf('\n', this.pos);
        const end = eol < 0 ? this.src.length : eol;
        const line = this.src.slice(this.pos, end);
        this.pos = eol < 0 ? end : end + 1;
        if ((doc.stripTabs ? line.replace(/^\t+/, '') : line) === doc.delimiter) break;
        body += `${line}\n`;
      }
      if (doc.expands && /\$\(|`/.test(body)) {
        throw new ParseError(
          `the here-document '${doc.delimiter}' contains a command substitution (quote the delimiter: <<'${doc.delimiter}')`,
        );
      }
    }
  }

  private readWord(): { value: string; quoted: boolean } {
    const begin = this.pos;
    let value = '';
    let quoted = false;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) break;
      if ((c === '<' || c === '>') && this.src[this.pos + 1] === '(' && this.pos === begin) {
        value += this.readNested(2);
        continue;
      }
      if (WORD_END.has(c)) break;
      if (c === '\\') {
        const next = this.src[this.pos + 1];
        this.pos += 2;
        quoted = true;
        if (next === undefined) value += '\\';
        else if (next !== '\n') value += next;
      } else if (c === "'") {
        const end = this.src.indexOf("'", this.pos + 1);
        if (end < 0) throw new ParseError('a single quote is never closed');
        value += this.src.slice(this.pos + 1, end);
        this.pos = end + 1;
        quoted = true;
      } else if (c === '"') {
        value += this.readDoubleQuoted();
        quoted = true;
      } else if (c === '$') {
        if (this.src[this.pos + 1] === "'" || this.src[this.pos + 1] === '"') quoted = true;
        value += this.readDollar(false);
      } else if (c === '`') {
        value += this.readBackquoted();
      } else {
        value += c;
        this.pos++;
      }
    }
    return { value, quoted };
  }

  private readDoubleQuoted(): string {
    this.pos++;
    let value = '';
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) throw new ParseError('a double quote is never closed');
      if (c === '"') {
        this.pos++;
        return value;
      }
      if (c === '\\') {
        const next = this.src[this.pos + 1];
        if (next === undefined) throw new ParseError('a double quote is never closed');
        this.pos += 2;
        if (next === '\n') continue;
        value += '$`"\\'.includes(next) ? next : `\\${next}`;
      } else if (c === '$') {
        value += this.readDollar(true);
      } else if (c === '`') {
        value += this.readBackquoted();
      } else {
        value += c;
        this.pos++;
      }
    }
  }

  /** `$(...)`, `$((...))`, `${...}`, `$'...'`, `$"..."` or `$name`; returns the value a word gets. */
  private readDollar(inDoubleQuotes: boolean): string {
    const begin = this.pos;
    const next = this.src[this.pos + 1];
    if (next === '(') {
      if (this.src[this.pos + 2] === '(') {
        const arithmetic = this.readArithmetic();
        if (arithmetic !== undefined) return arithmetic;
      }
      return this.readNested(2);
    }
    if (next === '{') {
      const end = this.src.indexOf('}', this.pos + 2);
      if (end < 0) throw new ParseError("a '${' is never closed");
      const inner = this.src.slice(this.pos + 2, end);
      if (/\$\(|[`'"{]/.test(inner)) throw new ParseError(`'\${${inner}}' is too complex to check`);
      this.pos = end + 1;
      return this.src.slice(begin, this.pos);
    }
    if (next === "'" && !inDoubleQuotes) return this.readAnsiC();
    if (next === '"' && !inDoubleQuotes) {
      this.pos++;
      return this.readDoubleQuoted();
    }
    const name = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(
      this.src.slice(this.pos + 1, this.pos + 200),
    );
    this.pos += 1 + (name?.[0].length ?? 0);
    return this.src.slice(begin, this.pos);
  }

  /** `$((1 + 2))` is arithmetic; `$((cmd) )` is a command substitution. Undefined means the latter. */
  private readArithmetic(): string | undefined {
    let depth = 0;
    for (let i = this.pos + 2; i < this.src.length; i++) {
      const c = this.src[i];
      if (c === "'" || c === '"' || c === '`' || (c === '$' && this.src[i + 1] === '(')) return undefined;
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        if (this.src[i + 1] !== ')') return undefined;
        const raw = this.src.slice(this.pos, i + 2);
        this.pos = i + 2;
        return raw;
      }
    }
    return undefined;
  }

  /** A substitution or process substitution: its commands go to the output; the word keeps the raw text. */
  private readNested(openerLength: number): string {
    const begin = this.pos;
    const inner = new Lexer(this.src, this.out, this.depth + 1);
    inner.pos = this.pos + openerLength;
    inner.parseList(true);
    this.pos = inner.pos;
    return this.src.slice(begin, this.pos);
  }

  private readBackquoted(): string {
    const begin = this.pos;
    let inner = '';
    let i = this.pos + 1;
    for (;;) {
      const c = this.src[i];
      if (c === undefined) throw new ParseError('a backquote is never closed');
      if (c === '`') break;
      const next = this.src[i + 1];
      if (c === '\\' && next !== undefined && '`$\\'.includes(next)) {
        inner += next;
        i += 2;
      } else {
        inner += c;
        i++;
      }
    }
    this.pos = i + 1;
    new Lexer(inner, this.out, this.depth + 1).parse();
    return this.src.slice(begin, this.pos);
  }

  /** `$'...'` with its backslash escapes decoded, so that `$'\x63url'` reads as `curl`. */
  private readAnsiC(): string {
    let i = this.pos + 2;
    let value = '';
    for (;;) {
      const c = this.src[i];
      if (c === undefined) throw new ParseError("a $' quote is never closed");
      if (c === "'") break;
      if (c !== '\\') {
        value += c;
        i++;
        continue;
      }
      const rest = this.src.slice(i + 1, i + 11);
      const decoded = decodeAnsiEscape(rest);
      if (decoded === undefined) throw new ParseError("a $' quote ends in a backslash");
      value += decoded.value;
      i += 1 + decoded.length;
    }
    this.pos = i + 1;
    return value;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

function decodeAnsiEscape(rest: string): { value: string; length: number } | undefined {
  const c = rest[0];
  if (c === undefined) return undefined;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return { value: simple, length: 1 };
  const numeric = /^(?:x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|U([0-9a-fA-F]{1,8})|([0-7]{1,3}))/.exec(rest);
  if (numeric) {
    const [whole, hex, u4, u8, octal] = numeric;
    const code =
      octal !== undefined ? Number.parseInt(octal, 8) : Number.parseInt(hex ?? u4 ?? u8 ?? '0', 16);
    return { value: String.fromCodePoint(Math.min(code, 0x10ffff)), length: whole.length };
  }
  if (c === 'c' && rest[1] !== undefined) {
    return { value: String.fromCharCode(rest[1].charCodeAt(0) & 0x1f), length: 2 };
  }
  return { value: `\\${c}`, length: 1 };
}

function parseSegments(line: string, depth: number): CommandSegment[] {
  if (line.length > MAX_COMMAND_LENGTH) {
    throw new ParseError(`the command is longer than ${MAX_COMMAND_LENGTH} characters`);
  }
  if (line.includes('\0')) throw new ParseError('the command contains a NUL byte');
  const out: CommandSegment[] = [];
  new Lexer(line, out, depth).parse();
  return out;
}

/**
 * Splits a command line into simple commands: on `&&`, `||`, `;`, `|`, `&` and newlines, with the
 * contents of `$(...)`, backquotes and `<(...)` as commands of their own (listed before the command
 * they appear in). Returns an error, never throws, when the line cannot be followed.
 */
export function splitCommand(line: string): SplitResult {
  try {
    return { segments: parseSegments(line, 0) };
  } catch (e) {
    if (e instanceof ParseError) return { error: e.message };
    throw e;
  }
}

/** Words that open or close a compound command and run nothing themselves. */
const LEADING_KEYWORDS = new Set([
  '!',
  '{',
  '}',
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'while',
  'until',
]);
/** Compound commands whose remaining words are data, not a program. */
const NO_PROGRAM_KEYWORDS = new Set(['for', 'select', '[[']);
const UNSUPPORTED_KEYWORDS = new Set(['case', 'esac', 'function', 'coproc']);

interface WrapperSpec {
  /** Options that take the next word as their value. */
  valued: string[];
  /** Positional words before the wrapped command (`timeout 10 cmd`). */
  positional?: number;
  /** `NAME=value` words before the command are the wrapper's (env). */
  assignments?: boolean;
  /** Options after which the wrapped command cannot be followed. */
  unsupported?: string[];
}

/** Programs that run another program given in their arguments. Both must be allowed. */
const WRAPPERS: Record<string, WrapperSpec> = {
  env: {
    valued: ['-u', '--unset', '-C', '--chdir'],
    assignments: true,
    unsupported: ['-S', '--split-string'],
  },
  time: { valued: ['-f', '--format', '-o', '--output'] },
  nice: { valued: ['-n', '--adjustment'] },
  timeout: { valued: ['-s', '--signal', '-k', '--kill-after'], positional: 1 },
  xargs: {
    valued: [
      '-a',
      '--arg-file',
      '-d',
      '--delimiter',
      '-E',
      '-I',
      '-L',
      '--max-lines',
      '-n',
      '--max-args',
      '-P',
      '--max-procs',
      '-s',
      '--max-chars',
      '--process-slot-var',
    ],
  },
  nohup: { valued: [] },
  exec: { valued: ['-a'] },
  command: { valued: [] },
  stdbuf: { valued: ['-i', '-o', '-e', '--input', '--output', '--error'] },
  setsid: { valued: [] },
};

/** Shells whose `-c` string is checked as a command line of its own. */
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash', 'mksh']);
/** find's actions that run a program: the words up to `;` or `+`. */
const FIND_EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);

export function basename(executable: string): string {
  return executable.slice(executable.lastIndexOf('/') + 1);
}

function unwrap(name: string, argv: string[], spec: WrapperSpec): string[] {
  let i = 1;
  for (; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      i++;
      break;
    }
    if (spec.unsupported?.some((u) => arg === u || arg.startsWith(u.startsWith('--') ? `${u}=` : u))) {
      throw new ParseError(`'${name} ${arg}' is not supported`);
    }
    if (spec.assignments && (arg === '-' || ASSIGNMENT.test(arg))) continue;
    if (!arg.startsWith('-') || arg === '-') break;
    if (spec.valued.includes(arg)) i++;
  }
  while (spec.assignments && i < argv.length && ASSIGNMENT.test(argv[i] ?? '')) i++;
  return argv.slice(i + (spec.positional ?? 0));
}

/** The command string of `bash -c 'string'` (options may come first, `-c` may be in a cluster like `-ec`). */
function shellScript(argv: string[]): string | undefined {
  let hasC = false;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return hasC ? argv[i + 1] : undefined;
    if (['-o', '+o', '-O', '+O', '--rcfile', '--init-file'].includes(arg)) {
      i++;
    } else if (/^[-+][A-Za-z]+$/.test(arg)) {
      if (arg.startsWith('-') && arg.includes('c')) hasC = true;
    } else if (!arg.startsWith('--')) {
      return hasC ? arg : undefined;
    }
  }
  return undefined;
}

function findActions(argv: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 1; i < argv.length; i++) {
    if (!FIND_EXEC.has(argv[i] ?? '')) continue;
    const end = argv.findIndex((a, j) => j > i && (a === ';' || a === '+'));
    const stop = end < 0 ? argv.length : end;
    out.push(argv.slice(i + 1, stop));
    i = stop;
  }
  return out;
}

class Analyzer {
  readonly invocations: Invocation[] = [];
  readonly segmentTexts: string[] = [];

  line(line: string, depth: number): void {
    for (const segment of parseSegments(line, depth)) {
      this.segmentTexts.push(segment.text);
      this.segment(segment.argv, depth);
    }
  }

  private segment(argv: string[], depth: number): void {
    let i = 0;
    for (; i < argv.length; i++) {
      const word = argv[i] ?? '';
      if (UNSUPPORTED_KEYWORDS.has(word)) throw new ParseError(`'${word}' is not supported`);
      if (NO_PROGRAM_KEYWORDS.has(word)) return;
      if (!LEADING_KEYWORDS.has(word) && !ASSIGNMENT.test(word)) break;
    }
    if (i < argv.length) this.program(argv.slice(i), depth);
  }

  private program(argv: string[], depth: number): void {
    const executable = argv[0];
    if (executable === undefined) return;
    this.invocations.push({ executable, argv, text: argv.join(' ') });
    const name = basename(executable);
    const wrapper = WRAPPERS[name];
    if (wrapper) {
      const inner = unwrap(name, argv, wrapper);
      if (inner.length > 0) this.program(inner, depth);
    }
    if (SHELLS.has(name)) {
      const script = shellScript(argv);
      if (script !== undefined) this.line(script, depth + 1);
    }
    if (name === 'find') {
      for (const action of findActions(argv)) this.program(action, depth);
    }
  }
}

/**
 * Every program a command line runs, including those inside substitutions, `bash -c` strings, wrappers
 * (`env`, `timeout 10`, `xargs`, ...) and `find -exec`, plus the text of every segment.
 */
export function analyzeCommand(line: string): CommandAnalysis {
  const analyzer = new Analyzer();
  try {
    analyzer.line(line, 0);
  } catch (e) {
    if (e instanceof ParseError) return { error: e.message };
    throw e;
  }
  return { invocations: analyzer.invocations, segmentTexts: analyzer.segmentTexts };
}

/** Global options of a program: those that take the next word as their value, and those that take none. */
interface OptionTable {
  values: ReadonlySet<string>;
  flags: ReadonlySet<string>;
}

const table = (values: string[], flags: string[]): OptionTable => ({
  values: new Set(values),
  flags: new Set(flags),
});

/**
 * The global options (before the subcommand) of the programs the default rules name by subcommand. An
 * option not listed here may take a value, so the word after it is a candidate subcommand and so is the
 * next one: a deny rule errs toward matching.
 */
const GLOBAL_OPTIONS: Record<string, OptionTable> = {
  git: table(
    [
      '-C',
      '-c',
      '--git-dir',
      '--work-tree',
      '--namespace',
      '--super-prefix',
      '--config-env',
      '--attr-source',
    ],
    [
      '-p',
      '--paginate',
      '-P',
      '--no-pager',
      '--bare',
      '--no-replace-objects',
      '--no-lazy-fetch',
      '--literal-pathspecs',
      '--glob-pathspecs',
      '--noglob-pathspecs',
      '--icase-pathspecs',
      '--no-optional-locks',
      '--no-advice',
      '--exec-path',
      '--html-path',
      '--man-path',
      '--info-path',
      '-v',
      '--version',
      '-h',
      '--help',
    ],
  ),
  npm: table(
    [
      '-C',
      '--prefix',
      '-w',
      '--workspace',
      '--registry',
      '--userconfig',
      '--globalconfig',
      '--cache',
      '--loglevel',
    ],
    [
      '-g',
      '--global',
      '-s',
      '--silent',
      '-q',
      '--quiet',
      '-d',
      '--verbose',
      '--json',
      '-y',
      '--yes',
      '-f',
      '--force',
      '--ws',
      '--workspaces',
      '--include-workspace-root',
      '--dry-run',
    ],
  ),
  pnpm: table(
    ['-C', '--dir', '-F', '--filter', '--registry', '--loglevel'],
    ['-w', '--workspace-root', '-r', '--recursive', '-s', '--silent', '--json', '-g', '--global'],
  ),
  yarn: table(['--cwd', '--registry'], ['-s', '--silent', '--json', '--verbose']),
  cargo: table(
    ['-C', '-Z', '--config', '--color', '--manifest-path'],
    ['-v', '--verbose', '-q', '--quiet', '--frozen', '--locked', '--offline'],
  ),
};

/** Subcommands that group others (`yarn npm publish`): the word after them is a candidate too. */
const GROUPS: Record<string, ReadonlySet<string>> = { yarn: new Set(['npm']) };

/** What a program's own command line says before its arguments proper. */
export interface SubcommandWords {
  /** The options before the subcommand, as written (`-c`, `--git-dir=x`); option values are not included. */
  options: string[];
  /**
   * The subcommand: the first word after the program's global options and their values. When an option of
   * unknown arity comes before it, the word after that one is a candidate too.
   */
  candidates: string[];
}

/** The global options and subcommand of `argv` (program first), e.g. `git -C sub push` -> push. */
export function subcommandOf(argv: readonly string[]): SubcommandWords {
  const program = basename(argv[0] ?? '');
  const known = GLOBAL_OPTIONS[program];
  const options: string[] = [];
  const candidates: string[] = [];
  let unknownBefore = false;
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--') {
      const next = argv[i + 1];
      if (next !== undefined) candidates.push(next);
      break;
    }
    if (word.startsWith('-') && word !== '-') {
      options.push(word);
      const eq = word.indexOf('=');
      const name = eq < 0 ? word : word.slice(0, eq);
      if (eq < 0 && known?.values.has(name)) {
        i++; // its value
        unknownBefore = false;
      } else {
        unknownBefore = eq < 0 && !known?.flags.has(name);
      }
      continue;
    }
    candidates.push(word);
    if (GROUPS[program]?.has(word)) {
      const next = argv.slice(i + 1).find((w) => !w.startsWith('-'));
      if (next !== undefined) candidates.push(next);
    }
    if (!unknownBefore) break;
    unknownBefore = false;
  }
  return { options, candidates };
}
