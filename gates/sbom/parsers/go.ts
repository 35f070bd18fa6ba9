// Go: go.mod's `require` directives (single lines and blocks). go.mod is both manifest and lock: every
// required module has an exact version, and `// indirect` marks the ones the project does not import.
// `replace` is ignored: the BOM names the module required, not a fork or local folder it is replaced
// by. `exclude`, `retract`, `tool`, `godebug` and `toolchain` name no dependency.

import { DependencyFileError, type Entry, makeDependency } from './common.js';

const REQUIREMENT = /^("[^"]+"|\S+)\s+(v\S+)$/;

export function parseGoMod(file: string, content: string): Entry[] {
  const entries: Entry[] = [];
  let block: { directive: string; line: number } | undefined;
  let module = false;

  const require = (text: string, lineNo: number) => {
    const m = REQUIREMENT.exec(text.replace(/\/\/.*$/, '').trim());
    if (m?.[1] === undefined || m[2] === undefined) {
      throw new DependencyFileError(
        file,
        `line ${lineNo}: expected "module/path vX.Y.Z" in require, found "${text.trim()}"`,
      );
    }
    const indirect = /\/\/\s*indirect\b/.test(text);
    const path = m[1].replace(/^"|"$/g, '');
    entries.push({ dep: makeDependency('golang', path, m[2], file, { direct: !indirect }) });
  };

  for (const [i, rawLine] of content.split(/\r?\n/).entries()) {
    const code = rawLine.replace(/\/\/.*$/, '').trim();
    if (block !== undefined) {
      if (code === ')') block = undefined;
      else if (code !== '' && block.directive === 'require') require(rawLine, i + 1);
      continue;
    }
    if (code === '') continue;
    const m = /^(\w+)\s*(.*)$/.exec(code);
    const directive = m?.[1] ?? '';
    const rest = m?.[2] ?? '';
    if (directive === 'module') module = true;
    if (rest === '(') {
      block = { directive, line: i + 1 };
    } else if (directive === 'require') {
      require(rawLine.replace(/^\s*require\s+/, ''), i + 1);
    }
  }
  if (block !== undefined) {
    throw new DependencyFileError(
      file,
      `line ${block.line}: the ${block.directive} block is never closed with ")"`,
    );
  }
  if (!module) throw new DependencyFileError(file, 'expected a "module" directive');
  return entries;
}
