// The SAST pack on values that reach a sink from somewhere else in the function or file: built on an earlier
// line, held in a constant, a hash object later used for a password, a command from a variable or parameter,
// a loader imported under another name. For every rule (and so every class the README claims, in each
// language it lists) at least one such case is caught and one case given only values fixed in the source is
// quiet. The embedded engine runs the pack over all cases at once, as the gate does. Cases written for these
// tests; `ruleid: <id>` at the end of a line marks where that rule must report, and nothing else may.
import { beforeAll, describe, expect, it } from 'vitest';
import { astGrepPack, scanWithAstGrep } from '../../gates/sast/ast-grep.js';
import type { RawFinding } from '../../gates/types.js';

type Language = 'js' | 'py' | 'go';

interface Case {
  rule: string;
  /** `flow`: the value reaches the sink from elsewhere and is reported; `quiet`: only fixed values, nothing. */
  kind: 'flow' | 'quiet';
  name: string;
  ext: string;
  code: string;
}

/** The README's SAST classes (gates table, `sast` row) and the rules that implement each, by language. */
const CLASSES: { name: string; rules: Partial<Record<Language, string[]>> }[] = [
  {
    name: 'eval/new Function/vm on input',
    rules: { js: ['js-eval-dynamic', 'js-vm-dynamic-code'], py: ['py-eval-dynamic'] },
  },
  {
    name: 'shell commands built from strings',
    rules: {
      js: ['js-child-process-exec-interpolated'],
      py: ['py-os-system', 'py-subprocess-shell-true'],
      go: ['go-exec-sh-concat'],
    },
  },
  {
    name: 'SQL built by concatenation',
    rules: { js: ['js-sql-string-concat'], py: ['py-sql-string-concat'], go: ['go-sql-string-concat'] },
  },
  {
    name: 'innerHTML/document.write with input',
    rules: { js: ['js-dom-html-injection', 'js-react-dangerously-set-inner-html'] },
  },
  {
    name: 'TLS verification off',
    rules: {
      js: ['js-tls-verify-disabled'],
      py: ['py-tls-verify-disabled'],
      go: ['go-tls-insecure-skip-verify'],
    },
  },
  {
    name: 'shell=True/os.system/pickle/unsafe yaml.load',
    rules: { py: ['py-subprocess-shell-true', 'py-os-system', 'py-pickle-load', 'py-yaml-unsafe-load'] },
  },
  {
    name: 'MD5/SHA-1 for passwords',
    rules: { js: ['js-weak-hash-password'], py: ['py-weak-hash-password'], go: ['go-weak-hash-password'] },
  },
  {
    name: 'hard-coded JWT secrets',
    rules: {
      js: ['js-jwt-hardcoded-secret'],
      py: ['py-jwt-hardcoded-secret'],
      go: ['go-jwt-hardcoded-secret'],
    },
  },
  { name: 'Go sh -c with concatenation', rules: { go: ['go-exec-sh-concat'] } },
];

const CASES: Case[] = [
  // ------------------------------------------------------------------ JavaScript / TypeScript: shell
  {
    rule: 'js-child-process-exec-interpolated',
    kind: 'flow',
    name: 'command built on an earlier line',
    ext: 'cjs',
    code: `const { execSync } = require('node:child_process');
function archive(dir) {
  const cmd = 'tar czf out.tgz ' + dir;
  return execSync(cmd); // ruleid: js-child-process-exec-interpolated
}
module.exports = { archive };
`,
  },
  {
    rule: 'js-child-process-exec-interpolated',
    kind: 'flow',
    name: 'command from a parameter',
    ext: 'mjs',
    code: `import { exec } from 'node:child_process';
export function runHook(hookCommand, done) {
  exec(hookCommand, done); // ruleid: js-child-process-exec-interpolated
}
`,
  },
  {
    rule: 'js-child-process-exec-interpolated',
    kind: 'flow',
    name: 'spawn of a variable with shell: true',
    ext: 'ts',
    code: `import { spawn } from 'node:child_process';
export function start(script: string) {
  return spawn(script, { shell: true, stdio: 'inherit' }); // ruleid: js-child-process-exec-interpolated
}
`,
  },
  {
    rule: 'js-child-process-exec-interpolated',
    kind: 'flow',
    name: 'shell option held in an options object declared earlier',
    ext: 'js',
    code: `const cp = require('child_process');
function build(target) {
  const line = \`make \${target}\`;
  const opts = { cwd: '/src', shell: '/bin/bash' };
  return cp.spawnSync(line, [], opts); // ruleid: js-child-process-exec-interpolated
}
module.exports = { build };
`,
  },
  {
    rule: 'js-child-process-exec-interpolated',
    kind: 'flow',
    name: 'sh -c with a script built earlier',
    ext: 'mjs',
    code: `import { execFile } from 'node:child_process';
export function grep(pattern) {
  const script = 'grep -r ' + pattern + ' .';
  execFile('sh', ['-c', script], () => {}); // ruleid: js-child-process-exec-interpolated
}
`,
  },
  {
    rule: 'js-child-process-exec-interpolated',
    kind: 'flow',
    name: 'command extended with += in a loop',
    ext: 'mjs',
    code: `import { execSync } from 'node:child_process';
export function clean(paths) {
  let command = 'rm -rf';
  for (const p of paths) command += ' ' + p;
  execSync(command); // ruleid: js-child-process-exec-interpolated
}
`,
  },
  {
    rule: 'js-child-process-exec-interpolated',
    kind: 'quiet',
    name: 'commands that are literals or held in constants',
    ext: 'mjs',
    code: `import { exec, execSync, spawn } from 'node:child_process';
const TOOL = 'make';
export function ci() {
  const cmd = 'npm test';
  execSync(cmd);
  execSync('git status');
  exec('ls ' + '-la');
  exec(\`git \${'status'}\`);
  spawn('ls', ['-la'], { shell: true });
  spawn(TOOL, { shell: true });
  spawn('sh', ['-c', 'echo done']);
}
`,
  },
  {
    rule: 'js-child-process-exec-interpolated',
    kind: 'quiet',
    name: 'variables passed without a shell',
    ext: 'cjs',
    code: `const { execFile, spawn } = require('node:child_process');
function checkout(branch, cmd, args, input) {
  execFile('git', ['checkout', branch], () => {});
  spawn(cmd, args);
  return /(\\d+)/.exec(input);
}
module.exports = { checkout };
`,
  },
  {
    rule: 'js-child-process-exec-interpolated',
    kind: 'quiet',
    name: 'an exec that is not child_process',
    ext: 'ts',
    code: `import { exec } from './db.js';
export function run(statement: string) {
  return exec(statement);
}
`,
  },
  // ------------------------------------------------------------------ JavaScript / TypeScript: SQL
  {
    rule: 'js-sql-string-concat',
    kind: 'flow',
    name: 'query built on an earlier line',
    ext: 'mjs',
    code: `export async function byId(db, id) {
  const q = 'SELECT * FROM users WHERE id = ' + id; // ruleid: js-sql-string-concat
  return db.query(q); // ruleid: js-sql-string-concat
}
`,
  },
  {
    rule: 'js-sql-string-concat',
    kind: 'flow',
    name: 'query made by util.format on an earlier line',
    ext: 'mjs',
    code: `import util from 'node:util';
export async function byName(pool, name) {
  const text = util.format("SELECT * FROM users WHERE name = '%s'", name); // ruleid: js-sql-string-concat
  return pool.query(text); // ruleid: js-sql-string-concat
}
`,
  },
  {
    rule: 'js-sql-string-concat',
    kind: 'flow',
    name: "query made by '...'.concat on an earlier line",
    ext: 'ts',
    code: `export function remove(conn: { query(s: string): void }, id: string) {
  const stmt = 'DELETE FROM sessions WHERE id = '.concat(id); // ruleid: js-sql-string-concat
  conn.query(stmt); // ruleid: js-sql-string-concat
}
`,
  },
  {
    rule: 'js-sql-string-concat',
    kind: 'flow',
    name: 'a fragment built earlier, run raw',
    ext: 'mjs',
    code: `export function search(knex, field, value) {
  const where = \`\${field} = '\${value}'\`;
  return knex.raw(where); // ruleid: js-sql-string-concat
}
`,
  },
  {
    rule: 'js-sql-string-concat',
    kind: 'flow',
    name: 'query text built earlier, passed in a query config object',
    ext: 'mjs',
    code: `export function sorted(pool, order) {
  const text = 'SELECT * FROM items ORDER BY ' + order; // ruleid: js-sql-string-concat
  return pool.query({ text, values: [] }); // ruleid: js-sql-string-concat
}
`,
  },
  {
    rule: 'js-sql-string-concat',
    kind: 'flow',
    name: 'query extended with += in a branch',
    ext: 'mjs',
    code: `export async function list(db, order) {
  let query = 'SELECT * FROM items';
  if (order) {
    query += ' ORDER BY ' + order;
  }
  return db.query(query); // ruleid: js-sql-string-concat
}
`,
  },
  {
    rule: 'js-sql-string-concat',
    kind: 'flow',
    name: 'a variable reused: built, run, then set to a constant and run again',
    ext: 'mjs',
    code: `export async function report(db, day) {
  let q = "SELECT * FROM events WHERE day = '" + day + "'"; // ruleid: js-sql-string-concat
  const events = await db.query(q); // ruleid: js-sql-string-concat
  q = 'SELECT count(*) FROM users';
  const users = await db.query(q);
  return [events, users];
}
`,
  },
  {
    rule: 'js-sql-string-concat',
    kind: 'quiet',
    name: 'constant SQL through util.format, constants and literals',
    ext: 'mjs',
    code: `import util from 'node:util';
const TABLE = 'users';
export async function all(db, id) {
  await db.query(util.format('SELECT * FROM %s', 'users'));
  await db.query(\`SELECT * FROM \${TABLE} WHERE id = $1\`, [id]);
  await db.query('SELECT * FROM ' + TABLE + ' WHERE id = $1', [id]);
  const q = 'SELECT count(*) FROM users';
  return db.query(q);
}
`,
  },
  {
    rule: 'js-sql-string-concat',
    kind: 'quiet',
    name: 'parameterised text held in a variable',
    ext: 'mjs',
    code: `export async function find(pool, id) {
  const sql = 'SELECT * FROM users ' + 'WHERE id = $1';
  const rows = await pool.query(sql, [id]);
  const parts = [].concat(rows);
  return parts;
}
`,
  },
  // ------------------------------------------------------------------ JavaScript / TypeScript: eval, vm
  {
    rule: 'js-eval-dynamic',
    kind: 'flow',
    name: 'function body built on an earlier line',
    ext: 'mjs',
    code: `export function compile(expr) {
  const code = 'return ' + expr;
  return new Function('x', code); // ruleid: js-eval-dynamic
}
`,
  },
  {
    rule: 'js-eval-dynamic',
    kind: 'flow',
    name: 'code from the request held in a variable',
    ext: 'js',
    code: `export function calc(req) {
  const src = req.body.formula;
  return eval(src); // ruleid: js-eval-dynamic
}
`,
  },
  {
    rule: 'js-eval-dynamic',
    kind: 'flow',
    name: 'timer string built on an earlier line',
    ext: 'js',
    code: `export function schedule(id) {
  const cb = 'refresh(' + id + ')';
  setTimeout(cb, 100); // ruleid: js-eval-dynamic
}
`,
  },
  {
    rule: 'js-eval-dynamic',
    kind: 'quiet',
    name: 'code held in constants',
    ext: 'js',
    code: `export function fixed(tick) {
  const expr = '6 * 7';
  const answer = eval(expr);
  eval('1' + ' + ' + '2');
  const body = 'return a + b';
  const add = new Function('a', 'b', body);
  setTimeout(tick, 10);
  const later = () => tick();
  setTimeout(later, 5);
  return [answer, add];
}
`,
  },
  {
    rule: 'js-vm-dynamic-code',
    kind: 'flow',
    name: 'code from the request held in a variable',
    ext: 'cjs',
    code: `const vm = require('node:vm');
function run(req) {
  const code = req.body.code;
  return vm.runInNewContext(code, {}); // ruleid: js-vm-dynamic-code
}
module.exports = { run };
`,
  },
  {
    rule: 'js-vm-dynamic-code',
    kind: 'flow',
    name: 'script source built on an earlier line',
    ext: 'mjs',
    code: `import vm from 'node:vm';
export function wrap(src) {
  const wrapped = '(function () {' + src + '})';
  return new vm.Script(wrapped); // ruleid: js-vm-dynamic-code
}
`,
  },
  {
    rule: 'js-vm-dynamic-code',
    kind: 'quiet',
    name: 'source held in a constant',
    ext: 'mjs',
    code: `import vm from 'node:vm';
const SRC = 'x + 1';
export function fixed() {
  const a = vm.runInNewContext(SRC, { x: 1 });
  const b = new vm.Script('a' + 'b');
  return [a, b];
}
`,
  },
  // ------------------------------------------------------------------ JavaScript / TypeScript: HTML
  {
    rule: 'js-dom-html-injection',
    kind: 'flow',
    name: 'markup built on an earlier line',
    ext: 'js',
    code: `export function render(list, item) {
  const html = '<li>' + item.name + '</li>';
  list.innerHTML = html; // ruleid: js-dom-html-injection
}
`,
  },
  {
    rule: 'js-dom-html-injection',
    kind: 'flow',
    name: 'markup accumulated in a loop',
    ext: 'js',
    code: `export function comments(el, items) {
  let out = '';
  for (const c of items) out += \`<p>\${c.text}</p>\`;
  el.innerHTML = out; // ruleid: js-dom-html-injection
}
`,
  },
  {
    rule: 'js-dom-html-injection',
    kind: 'flow',
    name: 'row template held in a variable',
    ext: 'ts',
    code: `export function addRow(table: HTMLElement, user: { name: string }) {
  const row = \`<td>\${user.name}</td>\`;
  table.insertAdjacentHTML('beforeend', row); // ruleid: js-dom-html-injection
}
`,
  },
  {
    rule: 'js-dom-html-injection',
    kind: 'flow',
    name: 'document.write of a parameter',
    ext: 'js',
    code: `export function banner(msg) {
  document.write(msg); // ruleid: js-dom-html-injection
}
`,
  },
  {
    rule: 'js-dom-html-injection',
    kind: 'quiet',
    name: 'constant markup and sanitized values',
    ext: 'js',
    code: `import DOMPurify from 'dompurify';
const LABEL = 'Hello';
export function show(el, comment) {
  const markup = '<b>x</b>';
  el.innerHTML = markup;
  el.innerHTML = '<b>' + 'x' + '</b>';
  el.innerHTML = \`<b>\${LABEL}</b>\`;
  const clean = DOMPurify.sanitize(comment.body);
  el.innerHTML = clean;
  el.innerHTML = '<p>' + DOMPurify.sanitize(comment.body) + '</p>';
  document.write(markup);
}
`,
  },
  {
    rule: 'js-react-dangerously-set-inner-html',
    kind: 'flow',
    name: 'markup rendered on an earlier line',
    ext: 'jsx',
    code: `export function Preview({ input }) {
  const html = marked(input);
  return <div dangerouslySetInnerHTML={{ __html: html }} />; // ruleid: js-react-dangerously-set-inner-html
}
`,
  },
  {
    rule: 'js-react-dangerously-set-inner-html',
    kind: 'quiet',
    name: 'constant and sanitized markup held in variables',
    ext: 'jsx',
    code: `import DOMPurify from 'dompurify';
export function Notice({ input }) {
  const markup = '<p>maintenance tonight</p>';
  const clean = DOMPurify.sanitize(input);
  return (
    <>
      <div dangerouslySetInnerHTML={{ __html: markup }} />
      <div dangerouslySetInnerHTML={{ __html: clean }} />
    </>
  );
}
`,
  },
  // ------------------------------------------------------------------ JavaScript / TypeScript: TLS
  {
    rule: 'js-tls-verify-disabled',
    kind: 'flow',
    name: 'shorthand option from a false constant',
    ext: 'mjs',
    code: `import https from 'node:https';
export function fetchIt(url, cb) {
  const rejectUnauthorized = false;
  https.get(url, { rejectUnauthorized }, cb); // ruleid: js-tls-verify-disabled
}
`,
  },
  {
    rule: 'js-tls-verify-disabled',
    kind: 'flow',
    name: 'module constant used as the option',
    ext: 'ts',
    code: `import https from 'node:https';
const VERIFY = false;
export const agent = new https.Agent({ rejectUnauthorized: VERIFY }); // ruleid: js-tls-verify-disabled
`,
  },
  {
    rule: 'js-tls-verify-disabled',
    kind: 'flow',
    name: 'option assigned from a variable',
    ext: 'js',
    code: `export function configure(options) {
  const strict = false;
  options.strictSSL = strict; // ruleid: js-tls-verify-disabled
}
`,
  },
  {
    rule: 'js-tls-verify-disabled',
    kind: 'quiet',
    name: 'verification on, or left to the caller',
    ext: 'mjs',
    code: `import https from 'node:https';
export function fetchIt(url, rejectUnauthorized, cb) {
  https.get(url, { rejectUnauthorized }, cb);
  const check = true;
  https.get(url, { rejectUnauthorized: check }, cb);
  https.get(url, { rejectUnauthorized: true }, cb);
}
`,
  },
  // ------------------------------------------------------------------ JavaScript / TypeScript: JWT
  {
    rule: 'js-jwt-hardcoded-secret',
    kind: 'flow',
    name: 'secret held in a module constant',
    ext: 'cjs',
    code: `const jwt = require('jsonwebtoken');
const SECRET = 'correct-horse-battery';
function issue(user) {
  return jwt.sign({ sub: user.id }, SECRET, { expiresIn: '1h' }); // ruleid: js-jwt-hardcoded-secret
}
module.exports = { issue };
`,
  },
  {
    rule: 'js-jwt-hardcoded-secret',
    kind: 'flow',
    name: 'literal fallback held in a constant',
    ext: 'ts',
    code: `import jwt from 'jsonwebtoken';
const FALLBACK = process.env.JWT_SECRET || 'dev-secret';
export function check(token: string) {
  return jwt.verify(token, FALLBACK); // ruleid: js-jwt-hardcoded-secret
}
`,
  },
  {
    rule: 'js-jwt-hardcoded-secret',
    kind: 'flow',
    name: 'constant secret handed to middleware and a strategy',
    ext: 'mjs',
    code: `import { expressjwt } from 'express-jwt';
import { Strategy as JwtStrategy } from 'passport-jwt';
const key = 'shared-key-1';
export const auth = expressjwt({ secret: key, algorithms: ['HS256'] }); // ruleid: js-jwt-hardcoded-secret
export const strategy = new JwtStrategy({ secretOrKey: key }, (p, done) => done(null, p)); // ruleid: js-jwt-hardcoded-secret
`,
  },
  {
    rule: 'js-jwt-hardcoded-secret',
    kind: 'quiet',
    name: 'secret from the environment, a parameter or a public key',
    ext: 'cjs',
    code: `const jwt = require('jsonwebtoken');
const SECRET = process.env.JWT_SECRET;
const PUBLIC_KEY = '-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkq\\n-----END PUBLIC KEY-----';
function issue(user, key) {
  jwt.sign({ sub: user.id }, SECRET);
  jwt.sign({ sub: user.id }, key);
  return jwt.verify(user.token, PUBLIC_KEY);
}
module.exports = { issue };
`,
  },
  // ------------------------------------------------------------------ JavaScript / TypeScript: passwords
  {
    rule: 'js-weak-hash-password',
    kind: 'flow',
    name: 'digest made on an earlier line, stored as the password',
    ext: 'cjs',
    code: `const crypto = require('node:crypto');
function register(user, pwtext) {
  const digest = crypto.createHash('md5').update(pwtext).digest('hex');
  user.setPassword(digest); // ruleid: js-weak-hash-password
}
module.exports = { register };
`,
  },
  {
    rule: 'js-weak-hash-password',
    kind: 'flow',
    name: 'hash object, then its digest, assigned to the password field',
    ext: 'mjs',
    code: `import crypto from 'node:crypto';
export function legacy(user, input) {
  const h = crypto.createHash('sha1');
  h.update(input);
  const d = h.digest('hex');
  user.password = d; // ruleid: js-weak-hash-password
}
`,
  },
  {
    rule: 'js-weak-hash-password',
    kind: 'flow',
    name: 'hash object later given the password',
    ext: 'ts',
    code: `import { createHash } from 'node:crypto';
export function digestOf(password: string) {
  const h = createHash('md5'); // ruleid: js-weak-hash-password
  h.update(password);
  return h.digest('hex');
}
`,
  },
  {
    rule: 'js-weak-hash-password',
    kind: 'flow',
    name: 'weak digest written inline into the password column',
    ext: 'mjs',
    code: `import { createHash } from 'node:crypto';
export async function signUp(User, email, raw) {
  return User.create({ email, password: createHash('sha1').update(raw).digest('hex') }); // ruleid: js-weak-hash-password
}
`,
  },
  {
    rule: 'js-weak-hash-password',
    kind: 'quiet',
    name: 'MD5 and SHA-1 for ETags and cache keys, bcrypt for passwords',
    ext: 'mjs',
    code: `import crypto from 'node:crypto';
import bcrypt from 'bcryptjs';
export function etag(res, body) {
  const tag = crypto.createHash('md5').update(body).digest('hex');
  res.setHeader('ETag', tag);
  const h = crypto.createHash('sha1');
  h.update(body);
  return h.digest('hex');
}
export function passwordPolicyVersion() {
  return crypto.createHash('md5').update('policy-v1').digest('hex');
}
export function store(user, password) {
  const hashed = bcrypt.hashSync(password, 10);
  user.setPassword(hashed);
}
`,
  },
  // ------------------------------------------------------------------ Python: eval, shell
  {
    rule: 'py-eval-dynamic',
    kind: 'flow',
    name: 'code built on an earlier line',
    ext: 'py',
    code: `def make(expr):
    code = "lambda x: " + expr
    return eval(code)  # ruleid: py-eval-dynamic
`,
  },
  {
    rule: 'py-eval-dynamic',
    kind: 'flow',
    name: 'code from the request held in a variable',
    ext: 'py',
    code: `from flask import request


def run():
    source = request.form["code"]
    exec(source)  # ruleid: py-eval-dynamic
`,
  },
  {
    rule: 'py-eval-dynamic',
    kind: 'quiet',
    name: 'code held in constants',
    ext: 'py',
    code: `EXPR = "1 + 2"


def fixed():
    a = eval(EXPR)
    b = eval("2" + " * " + "3")
    local = "[1, 2]"
    return a, b, eval(local)
`,
  },
  {
    rule: 'py-os-system',
    kind: 'flow',
    name: 'command built on an earlier line',
    ext: 'py',
    code: `import os


def archive(path):
    cmd = "tar czf out.tgz " + path
    os.system(cmd)  # ruleid: py-os-system
`,
  },
  {
    rule: 'py-os-system',
    kind: 'flow',
    name: 'command from a parameter, or an f-string made earlier',
    ext: 'py',
    code: `import os
import subprocess


def hook(user_cmd, host):
    os.popen(user_cmd)  # ruleid: py-os-system
    probe = f"ping -c 1 {host}"
    return subprocess.getoutput(probe)  # ruleid: py-os-system
`,
  },
  {
    rule: 'py-os-system',
    kind: 'quiet',
    name: 'commands that are literals or held in constants',
    ext: 'py',
    code: `import os

CMD = "make build"


def build():
    os.system(CMD)
    os.system("ls " + "-la")
    listing = "ls -la"
    return os.popen(listing)
`,
  },
  {
    rule: 'py-subprocess-shell-true',
    kind: 'flow',
    name: 'command built on an earlier line, shell=True',
    ext: 'py',
    code: `import subprocess


def listing(d):
    cmd = "ls " + d
    return subprocess.run(cmd, shell=True)  # ruleid: py-subprocess-shell-true
`,
  },
  {
    rule: 'py-subprocess-shell-true',
    kind: 'flow',
    name: 'shell flag held in a variable, command passed as args=',
    ext: 'py',
    code: `import subprocess


def hook(user_cmd):
    use_shell = True
    subprocess.call(user_cmd, shell=use_shell)  # ruleid: py-subprocess-shell-true
    subprocess.run(args=user_cmd, shell=True)  # ruleid: py-subprocess-shell-true
`,
  },
  {
    rule: 'py-subprocess-shell-true',
    kind: 'quiet',
    name: 'shell=True with a constant command',
    ext: 'py',
    code: `import subprocess

CMD = "make build"


def build(d):
    subprocess.run(CMD, shell=True)
    subprocess.run(["ls", "-l"], shell=True)
    subprocess.run(["ls", d], shell=True)
    subprocess.run(args="ls -la", shell=True)
    subprocess.call("ls -la | wc -l", shell=True)
    use_shell = False
    subprocess.run(d, shell=use_shell)
`,
  },
  // ------------------------------------------------------------------ Python: SQL
  {
    rule: 'py-sql-string-concat',
    kind: 'flow',
    name: 'query built with % on an earlier line',
    ext: 'py',
    code: `def by_id(cur, uid):
    q = "SELECT * FROM users WHERE id = %s" % uid  # ruleid: py-sql-string-concat
    cur.execute(q)  # ruleid: py-sql-string-concat
`,
  },
  {
    rule: 'py-sql-string-concat',
    kind: 'flow',
    name: 'query built with an f-string and .format() on earlier lines',
    ext: 'py',
    code: `def lookups(cur, conn, name, uid):
    q = f"SELECT * FROM t WHERE name = '{name}'"  # ruleid: py-sql-string-concat
    cur.execute(q)  # ruleid: py-sql-string-concat
    d = "DELETE FROM t WHERE id = {}".format(uid)  # ruleid: py-sql-string-concat
    conn.execute(d)  # ruleid: py-sql-string-concat
`,
  },
  {
    rule: 'py-sql-string-concat',
    kind: 'flow',
    name: 'query extended with += in a branch',
    ext: 'py',
    code: `def search(cur, name):
    query = "SELECT * FROM t"
    if name:
        query += " WHERE name = '" + name + "'"
    cur.execute(query)  # ruleid: py-sql-string-concat
`,
  },
  {
    rule: 'py-sql-string-concat',
    kind: 'flow',
    name: 'a variable reused: built, run, then set to a constant and run again',
    ext: 'py',
    code: `def dump(cu, table):
    q = "SELECT * FROM {}".format(table)  # ruleid: py-sql-string-concat
    rows = cu.execute(q)  # ruleid: py-sql-string-concat
    for _ in range(2):
        q = "SELECT name FROM sqlite_master"
        cu.execute(q)
    q = "SELECT 1"
    return rows, cu.execute(q)
`,
  },
  {
    rule: 'py-sql-string-concat',
    kind: 'quiet',
    name: 'constant SQL through .format(), % and f-strings',
    ext: 'py',
    code: `TABLE = "users"


def fixed(cur, uid):
    cur.execute("SELECT * FROM t WHERE a = {}".format("x"))
    cur.execute("SELECT * FROM {}".format(TABLE))
    cur.execute("SELECT * FROM t WHERE a = '%s'" % ("x",))
    cur.execute(f"SELECT * FROM {TABLE} WHERE id = %s", (uid,))
    q = "SELECT * FROM users WHERE id = %s"
    cur.execute(q, (uid,))
`,
  },
  // ------------------------------------------------------------------ Python: pickle, yaml
  {
    rule: 'py-pickle-load',
    kind: 'flow',
    name: 'loader imported under another name, data from a socket',
    ext: 'py',
    code: `from pickle import HIGHEST_PROTOCOL, loads as unpickle


def receive(sock):
    data = sock.recv(4096)
    return unpickle(data)  # ruleid: py-pickle-load
`,
  },
  {
    rule: 'py-pickle-load',
    kind: 'flow',
    name: 'module imported under another name',
    ext: 'py',
    code: `import dill as dl


def restore(f):
    return dl.load(f)  # ruleid: py-pickle-load
`,
  },
  {
    rule: 'py-pickle-load',
    kind: 'quiet',
    name: 'bytes written in the source, and dumping',
    ext: 'py',
    code: `import json
import pickle


def fixed(obj, blob):
    one = pickle.loads(b"\\x80\\x04K\\x01.")
    data = pickle.dumps(obj)
    return one, data, json.loads(blob)
`,
  },
  {
    rule: 'py-yaml-unsafe-load',
    kind: 'flow',
    name: 'unsafe Loader held in a variable',
    ext: 'py',
    code: `import yaml


def read(doc):
    loader = yaml.Loader
    return yaml.load(doc, Loader=loader)  # ruleid: py-yaml-unsafe-load
`,
  },
  {
    rule: 'py-yaml-unsafe-load',
    kind: 'flow',
    name: 'load imported from yaml, or yaml under another name',
    ext: 'py',
    code: `import yaml as y
from yaml import Loader, load
from yaml import unsafe_load as ul


def read(doc, f):
    a = load(f, Loader=Loader)  # ruleid: py-yaml-unsafe-load
    b = y.load(doc)  # ruleid: py-yaml-unsafe-load
    return a, b, ul(doc)  # ruleid: py-yaml-unsafe-load
`,
  },
  {
    rule: 'py-yaml-unsafe-load',
    kind: 'quiet',
    name: 'safe Loader held in a constant, a document written in the source',
    ext: 'py',
    code: `import yaml

SAFE = yaml.SafeLoader


def read(doc):
    a = yaml.load(doc, Loader=SAFE)
    b = yaml.load("a: 1", Loader=yaml.Loader)
    return a, b, yaml.safe_load(doc)
`,
  },
  // ------------------------------------------------------------------ Python: TLS, JWT, passwords
  {
    rule: 'py-tls-verify-disabled',
    kind: 'flow',
    name: 'verify from a module constant, a session, a variable',
    ext: 'py',
    code: `import requests

VERIFY_TLS = False


def fetch(url, ctx):
    requests.get(url, verify=VERIFY_TLS)  # ruleid: py-tls-verify-disabled
    s = requests.Session()
    s.verify = False  # ruleid: py-tls-verify-disabled
    check = False
    ctx.check_hostname = check  # ruleid: py-tls-verify-disabled
`,
  },
  {
    rule: 'py-tls-verify-disabled',
    kind: 'quiet',
    name: 'verification on, a CA bundle, or left to the caller',
    ext: 'py',
    code: `import requests


def fetch(url, verify):
    requests.get(url, verify=verify)
    ok = True
    requests.get(url, verify=ok)
    return requests.get(url, verify="/etc/ssl/ca.pem")
`,
  },
  {
    rule: 'py-jwt-hardcoded-secret',
    kind: 'flow',
    name: 'secret held in a module constant, literal fallback',
    ext: 'py',
    code: `import os

import jwt

SECRET = "correct-horse-battery"
FALLBACK = os.environ.get("JWT_KEY", "dev")


def issue(user):
    return jwt.encode({"sub": user.id}, SECRET, algorithm="HS256")  # ruleid: py-jwt-hardcoded-secret


def check(token):
    return jwt.decode(token, key=FALLBACK, algorithms=["HS256"])  # ruleid: py-jwt-hardcoded-secret
`,
  },
  {
    rule: 'py-jwt-hardcoded-secret',
    kind: 'quiet',
    name: 'secret from the environment or a parameter',
    ext: 'py',
    code: `import os

import jwt

FROM_ENV = os.environ["JWT_SECRET"]


def issue(user, key):
    jwt.encode({"sub": user.id}, FROM_ENV, algorithm="HS256")
    return jwt.encode({"sub": user.id}, key, algorithm="HS256")
`,
  },
  {
    rule: 'py-weak-hash-password',
    kind: 'flow',
    name: 'digest made on an earlier line, stored as the password',
    ext: 'py',
    code: `import hashlib


def register(user, pwtext):
    digest = hashlib.md5(pwtext.encode()).hexdigest()
    user.set_password(digest)  # ruleid: py-weak-hash-password
`,
  },
  {
    rule: 'py-weak-hash-password',
    kind: 'flow',
    name: 'hash object, then its digest, assigned to the password field',
    ext: 'py',
    code: `import hashlib


def legacy(user, raw):
    h = hashlib.sha1()
    h.update(raw.encode())
    d = h.hexdigest()
    user.password = d  # ruleid: py-weak-hash-password
`,
  },
  {
    rule: 'py-weak-hash-password',
    kind: 'flow',
    name: "cryptography's MD5 hash object passed as password=",
    ext: 'py',
    code: `from cryptography.hazmat.primitives import hashes


def create(raw, save, User):
    h = hashes.Hash(hashes.MD5())
    h.update(raw)
    save(User(name="a", password=h.finalize()))  # ruleid: py-weak-hash-password
`,
  },
  {
    rule: 'py-weak-hash-password',
    kind: 'flow',
    name: 'hash object later given the password',
    ext: 'py',
    code: `import hashlib


def digest_of(password):
    h = hashlib.md5()  # ruleid: py-weak-hash-password
    h.update(password.encode())
    return h.hexdigest()
`,
  },
  {
    rule: 'py-weak-hash-password',
    kind: 'quiet',
    name: 'MD5 and SHA-1 for ETags and cache keys',
    ext: 'py',
    code: `import hashlib


def etag(resp, body, cache):
    tag = hashlib.md5(body).hexdigest()
    resp.headers["ETag"] = tag
    h = hashlib.sha1()
    h.update(body)
    cache[h.hexdigest()] = body


def password_policy_version():
    return hashlib.md5(b"policy-v1").hexdigest()
`,
  },
  // ------------------------------------------------------------------ Go: shell, SQL
  {
    rule: 'go-exec-sh-concat',
    kind: 'flow',
    name: 'command built on an earlier line',
    ext: 'go',
    code: `package sample

import "os/exec"

func Archive(dir string) error {
	cmd := "tar czf out.tgz " + dir
	return exec.Command("sh", "-c", cmd).Run() // ruleid: go-exec-sh-concat
}
`,
  },
  {
    rule: 'go-exec-sh-concat',
    kind: 'flow',
    name: 'command from a parameter, and one made by Sprintf earlier',
    ext: 'go',
    code: `package sample

import (
	"context"
	"fmt"
	"os/exec"
)

func Hook(ctx context.Context, userCmd, dir string) error {
	if err := exec.Command("bash", "-c", userCmd).Run(); err != nil { // ruleid: go-exec-sh-concat
		return err
	}
	line := fmt.Sprintf("ls %s", dir)
	return exec.CommandContext(ctx, "sh", "-c", line).Run() // ruleid: go-exec-sh-concat
}
`,
  },
  {
    rule: 'go-exec-sh-concat',
    kind: 'quiet',
    name: 'scripts that are literals or constants, arguments without a shell',
    ext: 'go',
    code: `package sample

import "os/exec"

const script = "make build"

func Build(branch string) error {
	_ = exec.Command("sh", "-c", "ls -la | wc -l").Run()
	_ = exec.Command("sh", "-c", script).Run()
	_ = exec.Command("sh", "-c", "echo "+"hi").Run()
	local := "make test"
	_ = exec.Command("sh", "-c", local).Run()
	return exec.Command("git", "checkout", branch).Run()
}
`,
  },
  {
    rule: 'go-sql-string-concat',
    kind: 'flow',
    name: 'query built on an earlier line',
    ext: 'go',
    code: `package sample

import "database/sql"

func ByID(db *sql.DB, id string) (*sql.Rows, error) {
	q := "SELECT * FROM users WHERE id = " + id // ruleid: go-sql-string-concat
	return db.Query(q) // ruleid: go-sql-string-concat
}
`,
  },
  {
    rule: 'go-sql-string-concat',
    kind: 'flow',
    name: 'query made by Sprintf earlier, run with a context',
    ext: 'go',
    code: `package sample

import (
	"context"
	"database/sql"
	"fmt"
)

func ByName(ctx context.Context, db *sql.DB, name string) *sql.Row {
	q := fmt.Sprintf("SELECT * FROM t WHERE name = '%s'", name) // ruleid: go-sql-string-concat
	return db.QueryRowContext(ctx, q) // ruleid: go-sql-string-concat
}
`,
  },
  {
    rule: 'go-sql-string-concat',
    kind: 'flow',
    name: 'query extended with += in a branch',
    ext: 'go',
    code: `package sample

import "database/sql"

func Search(db *sql.DB, name string) (*sql.Rows, error) {
	s := "SELECT * FROM items"
	if name != "" {
		s += " WHERE name = '" + name + "'"
	}
	return db.Query(s) // ruleid: go-sql-string-concat
}
`,
  },
  {
    rule: 'go-sql-string-concat',
    kind: 'flow',
    name: 'a variable reused: built, run, then set to a constant and run again',
    ext: 'go',
    code: `package sample

import "database/sql"

func Report(db *sql.DB, day string) {
	q := "SELECT * FROM events WHERE day = '" + day + "'" // ruleid: go-sql-string-concat
	_, _ = db.Query(q) // ruleid: go-sql-string-concat
	q = "SELECT count(*) FROM users"
	_, _ = db.Query(q)
}
`,
  },
  {
    rule: 'go-sql-string-concat',
    kind: 'quiet',
    name: 'constant SQL through Sprintf and +, placeholders',
    ext: 'go',
    code: `package sample

import (
	"database/sql"
	"fmt"
)

const table = "users"

func Fixed(db *sql.DB, id string) {
	_, _ = db.Query(fmt.Sprintf("SELECT * FROM %s", "users"))
	_, _ = db.Query(fmt.Sprintf("SELECT * FROM %s WHERE id = $1", table), id)
	_, _ = db.Query("SELECT * FROM "+table+" WHERE id = $1", id)
	q := "SELECT * FROM t WHERE id = $1"
	_, _ = db.Query(q, id)
	full := id + " x"
	_, _ = db.Query("SELECT * FROM t WHERE a = $1", full)
}
`,
  },
  // ------------------------------------------------------------------ Go: TLS, JWT, passwords
  {
    rule: 'go-tls-insecure-skip-verify',
    kind: 'flow',
    name: 'value held in a variable or constant',
    ext: 'go',
    code: `package sample

import "crypto/tls"

const insecure = true

func Configs() (*tls.Config, *tls.Config) {
	skip := true
	a := &tls.Config{InsecureSkipVerify: skip} // ruleid: go-tls-insecure-skip-verify
	b := &tls.Config{InsecureSkipVerify: insecure} // ruleid: go-tls-insecure-skip-verify
	a.InsecureSkipVerify = skip // ruleid: go-tls-insecure-skip-verify
	return a, b
}
`,
  },
  {
    rule: 'go-tls-insecure-skip-verify',
    kind: 'quiet',
    name: 'verification on, or left to the caller',
    ext: 'go',
    code: `package sample

import "crypto/tls"

func Configs(skip bool) (*tls.Config, *tls.Config, *tls.Config) {
	a := &tls.Config{InsecureSkipVerify: skip}
	verify := false
	b := &tls.Config{InsecureSkipVerify: verify}
	c := &tls.Config{InsecureSkipVerify: false}
	return a, b, c
}
`,
  },
  {
    rule: 'go-jwt-hardcoded-secret',
    kind: 'flow',
    name: 'key made from a constant',
    ext: 'go',
    code: `package sample

import "github.com/golang-jwt/jwt/v5"

const secret = "correct-horse-battery"

var key = []byte(secret)

func Issue(t *jwt.Token) (string, error) {
	return t.SignedString(key) // ruleid: go-jwt-hardcoded-secret
}

func Issue2(t *jwt.Token) (string, error) {
	return t.SignedString([]byte(secret)) // ruleid: go-jwt-hardcoded-secret
}
`,
  },
  {
    rule: 'go-jwt-hardcoded-secret',
    kind: 'flow',
    name: 'key held in a local returned by the key function',
    ext: 'go',
    code: `package sample

import "github.com/golang-jwt/jwt/v5"

func Check(raw string) error {
	k := []byte("inline-key")
	_, err := jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) {
		return k, nil // ruleid: go-jwt-hardcoded-secret
	})
	return err
}
`,
  },
  {
    rule: 'go-jwt-hardcoded-secret',
    kind: 'quiet',
    name: 'key from the environment',
    ext: 'go',
    code: `package sample

import (
	"os"

	"github.com/golang-jwt/jwt/v5"
)

const envName = "JWT_SECRET"

func Issue(t *jwt.Token) (string, error) {
	envKey := []byte(os.Getenv(envName))
	return t.SignedString(envKey)
}
`,
  },
  {
    rule: 'go-weak-hash-password',
    kind: 'flow',
    name: 'hash object written and stored as the password',
    ext: 'go',
    code: `package sample

import "crypto/md5"

func Register(u *User, pwtext string) {
	h := md5.New()
	h.Write([]byte(pwtext))
	u.SetPassword(h.Sum(nil)) // ruleid: go-weak-hash-password
}
`,
  },
  {
    rule: 'go-weak-hash-password',
    kind: 'flow',
    name: 'digest encoded on an earlier line, assigned or set as the password',
    ext: 'go',
    code: `package sample

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
)

func Legacy(u *User, raw string) {
	sum := sha1.Sum([]byte(raw))
	encoded := hex.EncodeToString(sum[:])
	u.PasswordHash = encoded // ruleid: go-weak-hash-password
}

func Store(raw string) User {
	sum := md5.Sum([]byte(raw))
	return User{Name: "a", Password: hex.EncodeToString(sum[:])} // ruleid: go-weak-hash-password
}
`,
  },
  {
    rule: 'go-weak-hash-password',
    kind: 'flow',
    name: 'hash object later given the password',
    ext: 'go',
    code: `package sample

import (
	"crypto/sha1"
	"io"
)

func DigestOf(password string) []byte {
	h := sha1.New() // ruleid: go-weak-hash-password
	io.WriteString(h, password)
	return h.Sum(nil)
}
`,
  },
  {
    rule: 'go-weak-hash-password',
    kind: 'quiet',
    name: 'MD5 and SHA-1 for ETags and cache keys',
    ext: 'go',
    code: `package sample

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
)

func ETag(w http.ResponseWriter, body []byte, cache map[string][]byte) {
	sum := md5.Sum(body)
	w.Header().Set("ETag", hex.EncodeToString(sum[:]))
	h := sha1.New()
	h.Write(body)
	cache[string(h.Sum(nil))] = body
}

func PasswordPolicyVersion() [16]byte {
	return md5.Sum([]byte("policy-v1"))
}
`,
  },
];

/** `// ruleid: a` or `# ruleid: a` at the end of a line. */
const ANNOTATION = /(?:\/\/|#)\s*ruleid:\s*([\w-]+(?:\s*,\s*[\w-]+)*)\s*$/;

const pathOf = (c: Case, i: number) => `flow/${c.rule}/${String(i).padStart(2, '0')}-${c.kind}.${c.ext}`;

/** `rule@path:line` keys the case's annotations ask for. */
function expected(c: Case, i: number): string[] {
  const keys: string[] = [];
  c.code.split('\n').forEach((line, n) => {
    for (const id of ANNOTATION.exec(line)?.[1]?.split(',') ?? [])
      keys.push(`${id.trim()}@${pathOf(c, i)}:${n + 1}`);
  });
  return keys.sort();
}

const languageOf = (rule: string): Language => rule.slice(0, rule.indexOf('-')) as Language;

let findings: RawFinding[];

beforeAll(async () => {
  findings = (await scanWithAstGrep(CASES.map((c, i) => ({ path: pathOf(c, i), content: c.code })))).findings;
});

describe('SAST pack on values that flow into the sink', () => {
  it.each(CASES.map((c, i) => [`${c.rule}: ${c.kind}: ${c.name}`, c, i] as const))('%s', (_, c, i) => {
    const got = findings
      .filter((f) => f.file === pathOf(c, i))
      .map((f) => `${f.ruleId}@${f.file}:${f.line}`)
      .sort();
    expect(got).toEqual(expected(c, i));
    if (c.kind === 'flow') expect(expected(c, i).length).toBeGreaterThan(0);
    else expect(expected(c, i)).toEqual([]);
  });

  it('has a caught flowing case and a quiet fixed-value case for every class, in each language it lists', () => {
    const missing: string[] = [];
    for (const cls of CLASSES) {
      for (const [language, rules] of Object.entries(cls.rules)) {
        for (const kind of ['flow', 'quiet'] as const) {
          const covered = CASES.some(
            (c) => c.kind === kind && rules.includes(c.rule) && languageOf(c.rule) === language,
          );
          if (!covered) missing.push(`${cls.name} (${language}): no ${kind} case`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('has a flowing and a quiet case for every rule of the pack', () => {
    const ids = astGrepPack().rules.map((r) => r.id);
    for (const id of ids) {
      expect(
        CASES.some((c) => c.rule === id && c.kind === 'flow'),
        `${id}: flow`,
      ).toBe(true);
      expect(
        CASES.some((c) => c.rule === id && c.kind === 'quiet'),
        `${id}: quiet`,
      ).toBe(true);
    }
    // Every rule a class names exists.
    for (const cls of CLASSES)
      for (const rules of Object.values(cls.rules)) for (const r of rules) expect(ids).toContain(r);
  });
});
