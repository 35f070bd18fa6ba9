// The matching primitives of the embedded secrets engine: regular expressions with RE2 semantics
// (re2js, linear in the input whatever the pattern: a rule file, like the change, may be hostile), the
// keyword prefilter, and Shannon entropy.
//
// gitleaks compiles its rules with Go's regexp package, which is RE2; re2js is a port of the same
// syntax and semantics, so a gitleaks pattern compiles here unchanged: (?i), (?s), (?-i:...), (?P<n>...),
// \x60, \Q...\E, [[:alpha:]], \pL, repeats up to {1000}. What Go rejects, re2js rejects too
// (lookaround, backreferences, possessive and atomic groups); for those the error says so.
import { RE2JS } from 're2js';

/** A pattern with RE2 semantics and the text it came from (for error messages and the tests). */
export interface Pattern {
  readonly source: string;
  readonly re: RE2JS;
  /** Capture groups in the pattern. */
  readonly groups: number;
}

/** Constructs people bring from JavaScript or PCRE that neither Go nor RE2 has, with what to write instead. */
const UNSUPPORTED: { re: RegExp; what: string }[] = [
  { re: /\(\?[=!]/, what: 'lookahead (?= / (?! is not RE2 syntax; match the text and use a capture group' },
  {
    re: /\(\?<[=!]/,
    what: 'lookbehind (?<= / (?<! is not RE2 syntax; match the text and use a capture group',
  },
  { re: /\\[1-9]/, what: 'backreferences (\\1) are not RE2 syntax' },
  { re: /\(\?>/, what: 'atomic groups (?> are not RE2 syntax' },
  { re: /[*+?}][+]/, what: 'possessive repeats (a++) are not RE2 syntax' },
];

/** Thrown with what was wrong; the caller adds the file, rule and field. */
export class PatternError extends Error {
  override name = 'PatternError';
}

function compile(source: string): RE2JS {
  try {
    return RE2JS.compile(source);
  } catch (e) {
    const hint = UNSUPPORTED.find((u) => u.re.test(source));
    const message = (e instanceof Error ? e.message : String(e)).replace(/^error parsing regexp: /, '');
    throw new PatternError(hint ? `${message} (${hint.what})` : message);
  }
}

/**
 * Compiles a gitleaks (Go regexp) pattern with RE2 semantics now. Throws a PatternError naming the
 * problem and, for constructs RE2 lacks, what they are.
 */
export function compilePattern(source: string): Pattern {
  const re = compile(source);
  return { source, re, groups: re.groupCount() };
}

/**
 * A pattern compiled when first used: for agentgate's own pack, whose every pattern the tests compile,
 * so that a run whose files hold no rule's keyword compiles next to nothing (the whole pack takes
 * about 80 ms to compile).
 */
export function lazyPattern(source: string): Pattern {
  let re: RE2JS | undefined;
  return {
    source,
    get re() {
      re ??= compile(source);
      return re;
    },
    get groups() {
      return this.re.groupCount();
    },
  };
}

/**
 * Shannon entropy in bits per character, over code points, as gitleaks computes it for a rule's
 * `entropy` threshold: random base62 text scores about 5.5, English words about 3, `xxxx…` 0.
 */
export function shannonEntropy(text: string): number {
  if (text === '') return 0;
  const counts = new Map<number, number>();
  let length = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    counts.set(c, (counts.get(c) ?? 0) + 1);
    length++;
  }
  let entropy = 0;
  for (const n of counts.values()) {
    const p = n / length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

const ASCII = 128;

/**
 * Which of a set of keywords occur in a text, case-insensitively: an Aho-Corasick automaton, so one pass
 * over the text answers for every keyword at once (gitleaks does the same before running any rule). The
 * ASCII transitions are a dense table; other characters, rare in keywords, go through a map.
 */
export class KeywordSet {
  /** Per node, its ASCII transitions (node index, or 0 for the root). */
  private readonly ascii: Int32Array;
  /** Per node, transitions on other characters, only where a keyword has them. */
  private readonly other: Map<number, number>[];
  /** Per node, the keywords that end here, including through the failure links. */
  private readonly output: number[][];
  private readonly fail: Int32Array;

  constructor(readonly keywords: readonly string[]) {
    const next: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    keywords.forEach((keyword, k) => {
      let node = 0;
      for (const ch of keyword.toLowerCase()) {
        for (let i = 0; i < ch.length; i++) {
          const c = ch.charCodeAt(i);
          let to = next[node]?.get(c);
          if (to === undefined) {
            to = next.length;
            next[node]?.set(c, to);
            next.push(new Map());
            ends.push([]);
          }
          node = to;
        }
      }
      ends[node]?.push(k);
    });
    const count = next.length;
    this.fail = new Int32Array(count);
    this.ascii = new Int32Array(count * ASCII);
    this.other = next.map(() => new Map());
    this.output = ends;
    // Breadth-first: each node's failure link and full transition table from its parent's.
    const queue: number[] = [];
    for (const [c, to] of next[0] ?? []) {
      this.set(0, c, to);
      queue.push(to);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const node = queue[qi] as number;
      const f = this.fail[node] as number;
      this.output[node] = [...(this.output[node] ?? []), ...(this.output[f] ?? [])];
      for (let c = 0; c < ASCII; c++) this.ascii[node * ASCII + c] = this.ascii[f * ASCII + c] as number;
      for (const [c, to] of this.other[f] ?? []) this.other[node]?.set(c, to);
      for (const [c, to] of next[node] ?? []) {
        this.fail[to] = this.step(f, c);
        this.set(node, c, to);
        queue.push(to);
      }
    }
  }

  private set(node: number, c: number, to: number): void {
    if (c < ASCII) this.ascii[node * ASCII + c] = to;
    else this.other[node]?.set(c, to);
  }

  private step(node: number, c: number): number {
    return c < ASCII ? (this.ascii[node * ASCII + c] as number) : (this.other[node]?.get(c) ?? 0);
  }

  /** The indexes (into `keywords`) of the keywords found in text, ignoring case. */
  find(text: string): Set<number> {
    const found = new Set<number>();
    const { ascii, output } = this;
    let node = 0;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c < ASCII) {
        if (c >= 65 && c <= 90) c += 32;
        node = ascii[node * ASCII + c] as number;
      } else {
        node = this.step(node, lowerUnit(c));
      }
      const out = output[node];
      if (out !== undefined && out.length > 0) for (const k of out) found.add(k);
    }
    return found;
  }
}

const lowered = new Map<number, number>();

/** A UTF-16 unit lowercased the way String.prototype.toLowerCase does it, when that is one unit. */
function lowerUnit(c: number): number {
  let l = lowered.get(c);
  if (l === undefined) {
    const s = String.fromCharCode(c).toLowerCase();
    l = s.length === 1 ? s.charCodeAt(0) : c;
    lowered.set(c, l);
  }
  return l;
}
