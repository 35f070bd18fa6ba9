import { describe, expect, it } from 'vitest';
import { analyzeCommand, subcommandOf } from '../../policies/commands.js';
import { evaluate, loadDefaultPolicy, splitCommand } from '../../policies/index.js';
import { parsePolicy } from '../../policies/loader.js';

const policy = loadDefaultPolicy().policy;
// biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
const EXPANSION = '${X:-y}';

function rule(command: string): string {
  const d = evaluate(policy, { kind: 'command', command });
  return `${d.allowed ? 'allow' : 'deny'} ${d.ruleId}`;
}

function argvs(line: string): string[][] {
  const r = splitCommand(line);
  if ('error' in r) throw new Error(r.error);
  return r.segments.map((s) => s.argv);
}

function programs(line: string): string[] {
  const r = analyzeCommand(line);
  if ('error' in r) throw new Error(r.error);
  return r.invocations.map((i) => i.text);
}

describe('splitCommand', () => {
  it('splits on control operators and newlines', () => {
    expect(argvs('a 1 && b 2 || c; d | e & f\ng |& h')).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c'],
      ['d'],
      ['e'],
      ['f'],
      ['g'],
      ['h'],
    ]);
  });

  it('removes quotes and escapes, keeps the text as written', () => {
    const r = splitCommand(`echo 'a b' "c \\"d\\"" e\\ f c""url`);
    expect(r).toEqual({
      segments: [
        { argv: ['echo', 'a b', 'c "d"', 'e f', 'curl'], text: `echo 'a b' "c \\"d\\"" e\\ f c""url` },
      ],
    });
  });

  it('treats substitutions as segments of their own, listed first', () => {
    expect(argvs('echo $(date +%s) `whoami` <(ls) >(cat)')).toEqual([
      ['date', '+%s'],
      ['whoami'],
      ['ls'],
      ['cat'],
      ['echo', '$(date +%s)', '`whoami`', '<(ls)', '>(cat)'],
    ]);
    expect(argvs('echo "x $(a "$(b)")"')).toEqual([['b'], ['a', '$(b)'], ['echo', 'x $(a "$(b)")']]);
  });

  it('drops redirections and comments', () => {
    expect(argvs('npm test 2>&1 > out.txt < in.txt # done')).toEqual([['npm', 'test']]);
    expect(argvs('cmd &>> log 3<&0')).toEqual([['cmd']]);
  });

  it('skips here-document bodies', () => {
    expect(argvs("cat <<'EOF' > a.txt\ncurl x\nEOF\nls")).toEqual([['cat'], ['ls']]);
    expect(argvs('cat <<-END\n\tnot a command\n\tEND\nls')).toEqual([['cat'], ['ls']]);
  });

  it("decodes $'...' and leaves variables and arithmetic as written", () => {
    expect(argvs(`$'\\x63url' $HOME ${EXPANSION} $((1 + 2))`)).toEqual([
      ['curl', '$HOME', EXPANSION, '$((1 + 2))'],
    ]);
  });

  it('returns an error for what it cannot follow', () => {
    for (const line of [
      'echo "unterminated',
      "echo 'unterminated",
      'echo $(date',
      'echo `date',
      'echo )',
      'f() { curl x; }',
      'case $x in a) curl;; esac',
      'cat <<EOF\n$(curl x)\nEOF',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
      'echo ${x:-$(curl x)}',
      'echo >',
    ]) {
      expect(splitCommand(line), line).toHaveProperty('error');
    }
  });
});

describe('analyzeCommand', () => {
  it('skips assignments and keywords, and follows wrappers', () => {
    expect(programs('FOO=1 BAR="a b" npm test')).toEqual(['npm test']);
    expect(programs('env -i A=1 -- node x.js')).toEqual(['env -i A=1 -- node x.js', 'node x.js']);
    expect(programs('timeout -s KILL 30 npm test')).toEqual(['timeout -s KILL 30 npm test', 'npm test']);
    expect(programs('nice -n 5 time -p make')).toEqual(['nice -n 5 time -p make', 'time -p make', 'make']);
    expect(programs('ls | xargs -I {} rm {}')).toEqual(['ls', 'xargs -I {} rm {}', 'rm {}']);
    expect(programs('if true; then echo y; else echo n; fi')).toEqual(['true', 'echo y', 'echo n']);
    expect(programs('for f in a b; do echo $f; done')).toEqual(['echo $f']);
    expect(programs('(cd a && make) | tee log')).toEqual(['cd a', 'make', 'tee log']);
  });

  it('follows sh -c strings and find -exec', () => {
    expect(programs(`bash -ec 'npm ci && npm test'`)).toEqual([
      'bash -ec npm ci && npm test',
      'npm ci',
      'npm test',
    ]);
    expect(programs('find . -name "*.tmp" -exec rm -f {} \\;')).toEqual([
      'find . -name *.tmp -exec rm -f {} ;',
      'rm -f {}',
    ]);
  });

  it('refuses nesting deeper than it follows', () => {
    let line = 'ls';
    for (let i = 0; i < 12; i++) line = `echo $(${line})`;
    expect(analyzeCommand(line)).toHaveProperty('error');
  });
});

describe('commands under the default pack', () => {
  it.each([
    ['curl https://x', 'network-clients'],
    ['/usr/bin/wget -q https://x', 'network-clients'],
    ['npm test && curl x', 'network-clients'],
    ['bash -c "wget x"', 'network-clients'],
    ["sh -c 'echo ok; nc -l 80'", 'network-clients'],
    ['echo $(curl x)', 'network-clients'],
    ['echo `curl x`', 'network-clients'],
    ['diff <(curl a) b', 'network-clients'],
    ["$'\\x63url' x", 'network-clients'],
    ['c"u"rl x', 'network-clients'],
    ['env A=1 curl x', 'network-clients'],
    ['find . -exec curl {} +', 'network-clients'],
    ['echo data > /dev/tcp/10.0.0.1/80', 'network-redirects'],
    ['echo data > $(echo /dev)/tcp/127.0.0.1/80', 'network-redirects'],
    ['d=/dev; echo data > $d/udp/127.0.0.1/53', 'network-redirects'],
    [`echo data > ${EXPANSION.replace('X:-y', 'D')}/tcp/localhost/80`, 'network-redirects'],
    ['sudo ls', 'privilege-escalation'],
    ['git push origin main', 'git-push'],
    ['git -C sub push', 'git-push'],
    ['git config user.email x@y', 'git-config'],
    ['git -c core.pager=less log', 'git-config'],
    ['git remote add evil https://x', 'git-remote'],
    ['git credential fill', 'git-credential'],
    ['npm publish', 'package-publish'],
    ['frobnicate --all', 'default-deny'],
    ['npm test; frobnicate', 'default-deny'],
    ['$CMD x', 'command-unparseable'],
    ['echo "unterminated', 'command-unparseable'],
    ['', 'default-deny'],
  ])('%s -> deny %s', (command, id) => {
    expect(rule(command)).toBe(`deny ${id}`);
  });

  it.each([
    'npm test',
    'git status',
    'git diff HEAD~1 -- src',
    'git commit -m "push it"',
    'npx vitest run test/a.test.ts 2>&1 | tail -50',
    './node_modules/.bin/vitest run',
    'cd src && ls -la',
    'FORCE_COLOR=0 npm run build',
    'timeout 60 npm test',
    'grep -rn "curl" src | head',
    "python3 - <<'EOF'\nprint(1)\nEOF",
    'node -e "console.log(1)"',
    'if [ -f package.json ]; then cat package.json; fi',
    'for f in src/*.ts; do wc -l "$f"; done',
  ])('%s -> allow dev-tools', (command) => {
    expect(rule(command)).toBe('allow dev-tools');
  });

  it('names the executable that no rule allows', () => {
    const d = evaluate(policy, { kind: 'command', command: 'npm test && frobnicate --all' });
    expect(d.reason).toBe(
      "no rule in commands.allow allows 'frobnicate' (in 'frobnicate --all'); add it to the executables of a commands.allow rule to permit it",
    );
  });

  it('says why an unparseable command is refused', () => {
    const d = evaluate(policy, { kind: 'command', command: 'echo "oops' });
    expect(d.reason).toContain('a double quote is never closed');
  });
});

describe('command rules', () => {
  const p = parsePolicy(
    [
      'version: 1',
      'commands:',
      '  deny:',
      '    - id: no-force',
      '      patterns: ["--force\\\\b"]',
      '  allow:',
      '    - id: make-targets',
      '      patterns: ["make (build|test)"]',
      '    - id: local-script',
      '      executables: [./scripts/check.sh]',
      '    - id: basics',
      '      executables: [echo, git]',
    ].join('\n'),
    'p.yml',
  ).policy;

  const id = (command: string) => {
    const d = evaluate(p, { kind: 'command', command });
    return `${d.allowed ? 'allow' : 'deny'} ${d.ruleId}`;
  };

  it('allow patterns must match a whole program with its arguments', () => {
    expect(id('make test')).toBe('allow make-targets');
    expect(id('make install')).toBe('deny default-deny');
    expect(id('make test && make install')).toBe('deny default-deny');
  });

  it('executables with a slash match that exact path only', () => {
    expect(id('./scripts/check.sh --fast')).toBe('allow local-script');
    expect(id('other/check.sh')).toBe('deny default-deny');
  });

  it('deny patterns are searched in the line and in every segment', () => {
    expect(id('git push --force')).toBe('deny no-force');
    expect(id('echo ok && git push --force')).toBe('deny no-force');
  });

  it('reports the first allow rule used', () => {
    expect(id('echo a && make build')).toBe('allow basics');
    expect(id('make build && echo a')).toBe('allow make-targets');
  });
});

describe('subcommand rules', () => {
  it("read the subcommand after the program's global options and their values", () => {
    expect(subcommandOf(['git', 'log', 'config'])).toEqual({ options: [], candidates: ['log'] });
    expect(subcommandOf(['git', '-C', 'sub', '--no-pager', 'push'])).toEqual({
      options: ['-C', '--no-pager'],
      candidates: ['push'],
    });
    expect(subcommandOf(['git', '--git-dir=.git', '-c', 'a=b', 'log'])).toEqual({
      options: ['--git-dir=.git', '-c'],
      candidates: ['log'],
    });
    expect(subcommandOf(['npm', '--prefix', 'pkg', 'publish'])).toEqual({
      options: ['--prefix'],
      candidates: ['publish'],
    });
    // An option the table does not know may take a value: the word after it is a candidate too.
    expect(subcommandOf(['npm', '--weird', 'x', 'publish']).candidates).toEqual(['x', 'publish']);
    expect(subcommandOf(['/usr/bin/git', '--', 'config']).candidates).toEqual(['config']);
  });

  it.each([
    ['git config user.email x@y', 'git-config'],
    ['git config --get remote.origin.url', 'git-config'],
    ['git -c core.pager=less log', 'git-config'],
    ['git -ccore.pager=less log', 'git-config'],
    ['git --config-env=core.sshCommand=X log', 'git-config'],
    ['git --config-env core.sshCommand=X log', 'git-config'],
    ['git --no-pager config -l', 'git-config'],
    ['git -C sub config user.name x', 'git-config'],
    ['git --git-dir .git config -l', 'git-config'],
    ['/usr/bin/git config -l', 'git-config'],
    ['env GIT_PAGER=cat git config -l', 'git-config'],
    ['git push', 'git-push'],
    ['git -C sub --no-pager push origin main', 'git-push'],
    ['git fetch origin', 'git-remote'],
    ['git credential-store get', 'git-credential'],
    ['npm publish', 'package-publish'],
    ['npm --prefix pkg publish', 'package-publish'],
    ['npm -w pkg publish --access public', 'package-publish'],
    ['pnpm -C pkg publish', 'package-publish'],
    ['cargo publish --dry-run', 'package-publish'],
    ['yarn npm login', 'package-publish'],
    ['yarn npm publish --access public', 'package-publish'],
  ])('%s -> deny %s', (command, id) => {
    expect(rule(command)).toBe(`deny ${id}`);
  });

  it.each([
    'git log config',
    'git log -- config',
    'git diff -- config',
    'git diff HEAD -- src/config.ts config',
    'git grep config',
    'git grep -n push -- src',
    'git show HEAD:config/app.json',
    'git log -c',
    'git commit -m push',
    'git commit -m config',
    'git checkout -b fetch-fix',
    'git add config',
    'npm run publish-docs',
    'npm run publish',
    'npm test -- --grep login',
    'cargo test publish',
  ])('%s -> allowed', (command) => {
    expect(rule(command)).toMatch(/^allow /);
  });

  it('a rule names subcommands, options and args only with executables', () => {
    for (const field of ['subcommands: [x]', 'options: [-x]', 'args: [x]']) {
      const text = ['version: 1', 'commands:', '  deny:', '    - patterns: [y]', `      ${field}`].join('\n');
      expect(() => parsePolicy(text, 'p.yml')).toThrow(/subcommands, options or args without executables/);
    }
  });
});
