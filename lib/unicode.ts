// Invisible Unicode: the one module that finds the code points a reader cannot see. Two jobs.
//
// 1. `stripInvisible` removes them, for untrusted text that becomes instructions or prose: the task, the
//    issue, repository instruction files, titles. Everything in the set goes, the zero width joiner inside
//    an emoji sequence too (a family emoji falls apart into its members): safety before typography, since
//    a joiner or selector that is allowed to stay is a channel to smuggle text through.
// 2. `revealInvisible` makes them visible, for text whose exact content matters: file contents, search
//    matches, command output. Each code point becomes the escape `\u{XXXX}` (uppercase hex, at least four
//    digits, e.g. `\u{FE0F}`, `\u{E0041}`); `invisibleNote` adds the line that tells the reader how many
//    escapes it is looking at, and how many look-alike escapes were already in the text literally. An
//    escape only ever names a code point of the set below, so a literal `\u{...}` naming anything else
//    (`\u{1F600}`) is never one of ours.

/**
 * The set: every `Default_Ignorable_Code_Point` (Unicode DerivedCoreProperties.txt, unchanged from 14.0
 * to 17.0), spelled out here so a runtime with older Unicode tables cannot narrow it, plus the code
 * points that are invisible without being default-ignorable. Among the DI ranges: the variation selectors
 * (U+FE00–FE0F, U+E0100–E01EF: one selector per nibble smuggles a whole text after an emoji), the tag
 * characters (U+E0000–E007F), the bidi controls (U+061C, U+200E/200F, U+202A–202E, U+2066–2069) and the
 * Hangul fillers.
 */
export const INVISIBLE_RANGES: readonly (readonly [first: number, last: number, what: string])[] = [
  [0x00ad, 0x00ad, 'soft hyphen'],
  [0x034f, 0x034f, 'combining grapheme joiner'],
  [0x061c, 0x061c, 'Arabic letter mark (bidi)'],
  [0x115f, 0x1160, 'Hangul choseong and jungseong fillers'],
  [0x17b4, 0x17b5, 'Khmer inherent vowels'],
  [0x180b, 0x180f, 'Mongolian free variation selectors and vowel separator'],
  [0x200b, 0x200f, 'zero width space, non-joiner, joiner; left-to-right and right-to-left marks'],
  [0x202a, 0x202e, 'bidi embeddings and overrides'],
  [0x2060, 0x206f, 'word joiner, invisible operators, bidi isolates, deprecated format controls'],
  [0x3164, 0x3164, 'Hangul filler'],
  [0xfe00, 0xfe0f, 'variation selectors 1-16'],
  [0xfeff, 0xfeff, 'zero width no-break space (byte order mark)'],
  [0xffa0, 0xffa0, 'halfwidth Hangul filler'],
  [0xfff0, 0xfff8, 'reserved default-ignorable'],
  [0xfff9, 0xfffb, 'interlinear annotation controls (not default-ignorable)'],
  [0x1bca0, 0x1bca3, 'shorthand format controls'],
  [0x1d173, 0x1d17a, 'musical symbol beam, tie, slur and phrase controls'],
  [0xe0000, 0xe0fff, 'tag characters, variation selectors 17-256, reserved default-ignorable'],
];

const hex = (cp: number): string => cp.toString(16).toUpperCase().padStart(4, '0');

const CLASS = `[\\p{Default_Ignorable_Code_Point}${INVISIBLE_RANGES.map(
  ([a, b]) => `\\u{${hex(a)}}-\\u{${hex(b)}}`,
).join('')}]`;
const INVISIBLE = new RegExp(CLASS, 'gu');
const ANY_INVISIBLE = new RegExp(CLASS, 'u');
/** What an escape of ours looks like, in any case: used to count literal look-alikes. */
const ESCAPE_LIKE = /\\u\{([0-9A-Fa-f]{1,6})\}/g;

/** Whether `cp` is one of the invisible code points. */
export function isInvisible(cp: number): boolean {
  return cp >= 0 && cp <= 0x10ffff && ANY_INVISIBLE.test(String.fromCodePoint(cp));
}

/** The escape a revealed code point is shown as: `\u{FE0F}`. */
export function invisibleEscape(cp: number): string {
  return `\\u{${hex(cp)}}`;
}

/** `text` without any invisible code point, and how many were removed. */
export function stripInvisible(text: string): { text: string; removed: number } {
  if (!ANY_INVISIBLE.test(text)) return { text, removed: 0 };
  let removed = 0;
  const out = text.replace(INVISIBLE, () => {
    removed++;
    return '';
  });
  return { text: out, removed };
}

export interface Revealed {
  text: string;
  /** How many invisible code points became escapes. */
  revealed: number;
  /** How many `\u{...}` naming an invisible code point were in the text already, as literal characters. */
  literal: number;
}

/** `text` with every invisible code point shown as its escape `\u{XXXX}`. */
export function revealInvisible(text: string): Revealed {
  if (!ANY_INVISIBLE.test(text)) return { text, revealed: 0, literal: 0 };
  let revealed = 0;
  const out = text.replace(INVISIBLE, (c) => {
    revealed++;
    return invisibleEscape(c.codePointAt(0) ?? 0);
  });
  let literal = 0;
  if (text.includes('\\u{')) {
    for (const m of text.matchAll(ESCAPE_LIKE)) if (isInvisible(Number.parseInt(m[1] ?? '', 16))) literal++;
  }
  return { text: out, revealed, literal };
}

/**
 * The line that goes under revealed text, e.g.
 * `[note: 12 invisible Unicode characters are shown as \u{...} escapes]`; empty when nothing was revealed.
 */
export function invisibleNote(r: Pick<Revealed, 'revealed' | 'literal'>): string {
  if (r.revealed === 0) return '';
  const one = r.revealed === 1;
  const literal =
    r.literal > 0
      ? `; ${r.literal} escape-like \\u{...} sequence${r.literal === 1 ? ' was' : 's were'} already in the text as typed`
      : '';
  return `[note: ${r.revealed} invisible Unicode character${one ? ' is' : 's are'} shown as \\u{...} escapes${literal}]`;
}
