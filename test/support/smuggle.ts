// Hidden-text smuggling as attackers do it, for tests: a text written only with invisible code points.

/** Each byte of `text` (UTF-8) as two variation selectors, one per nibble: U+FE00 + nibble. */
export function nibbleSelectors(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) => String.fromCodePoint(0xfe00 + (b >> 4), 0xfe00 + (b & 0xf)))
    .join('');
}

/** Each byte of `text` (UTF-8) as one variation selector: VS1–VS16 for 0–15, VS17–VS256 for 16–255. */
export function byteSelectors(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) => String.fromCodePoint(b < 16 ? 0xfe00 + b : 0xe0100 + b - 16))
    .join('');
}

/** `text` in tag characters (U+E0000 + ASCII), the "ASCII smuggler" form, between BEGIN and CANCEL TAG. */
export function tagCharacters(text: string): string {
  return `\u{E0001}${[...text].map((c) => String.fromCodePoint(0xe0000 + (c.codePointAt(0) ?? 0))).join('')}\u{E007F}`;
}

/** The text hidden in nibble selectors inside `s`, decoded back (what a colluding reader would see). */
export function decodeNibbles(s: string): string {
  const nibbles = [...s].map((c) => (c.codePointAt(0) ?? 0) - 0xfe00).filter((n) => n >= 0 && n < 16);
  const bytes: number[] = [];
  for (let i = 0; i + 1 < nibbles.length; i += 2)
    bytes.push(((nibbles[i] ?? 0) << 4) | (nibbles[i + 1] ?? 0));
  return Buffer.from(bytes).toString('utf8');
}
