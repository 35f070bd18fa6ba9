// The workflows in .github/workflows/ and the examples users copy from .github/examples/ are workflows
// GitHub accepts (checked with GitHub's own parser, @actions/workflow-parser), give the token only what
// they need, never leave a git credential in the checkout, and pass the action only inputs action.yml
// declares. action.yml itself passes the parser's action schema plus the checks that schema leaves out.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// vitest.config.ts inlines @actions/workflow-parser: it imports its JSON schemas without import
// attributes, which Node's own ESM loader refuses.
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, parse, parseDocument } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));

type Step = { id?: string; name?: string; uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { permissions?: unknown; 'runs-on'?: unknown; if?: string; steps?: Step[] };
type Workflow = { name?: string; on?: unknown; permissions?: unknown; jobs?: Record<string, Job> };
type ActionMeta = {
  inputs?: Record<string, Record<string, unknown> | null>;
  outputs?: Record<string, Record<string, unknown> | null>;
};

/** Errors from GitHub's workflow parser: the schema, then the conversion's checks (cron, needs, ...). */
async function workflowErrors(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  if (parsed.value) await convertWorkflowTemplate(parsed.context, parsed.value);
  return parsed.context.errors.getErrors().map((e) => e.message);
}

const isAgentgate = (s: Step) => s.uses === './' || s.uses?.startsWith('agentgate/agentgate@') === true;
const isCheckout = (s: Step) => s.uses?.startsWith('actions/checkout@') === true;
const stepName = (job: string, s: Step, i: number) =>
  `${job}: ${s.id ?? s.name ?? s.uses ?? `step ${i + 1}`}`;

/** What this project asks of every workflow beyond GitHub's schema; one line per problem. */
function workflowProblems(content: string, action: ActionMeta): string[] {
  const wf = parse(content) as Workflow;
  const jobs = Object.entries(wf.jobs ?? {});
  const inputs = new Set(Object.keys(action.inputs ?? {}));
  const outputs = new Set(Object.keys(action.outputs ?? {}));
  const problems: string[] = [];
  if (wf.permissions === undefined) {
    for (const [id, job] of jobs) {
      if (job.permissions === undefined) problems.push(`${id}: no permissions, top-level or job-level`);
    }
  }
  for (const [where, p] of [['top level', wf.permissions], ...jobs.map(([id, j]) => [id, j.permissions])]) {
    if (typeof p === 'string') problems.push(`${where}: permissions '${p}'; name each scope instead`);
  }
  const agentgateIds = new Set<string>();
  for (const [id, job] of jobs) {
    const steps = job.steps ?? [];
    steps.forEach((s, i) => {
      const name = stepName(id, s, i);
      if (isCheckout(s) && s.with?.['persist-credentials'] !== false) {
        problems.push(`${name}: checkout without persist-credentials: false`);
      }
      if (!isAgentgate(s)) return;
      if (s.id) agentgateIds.add(s.id);
      for (const key of Object.keys(s.with ?? {})) {
        if (!inputs.has(key)) problems.push(`${name}: input '${key}' is not declared in action.yml`);
      }
      const checkout = steps.slice(0, i).find(isCheckout);
      if (checkout?.with?.['fetch-depth'] !== 0) {
        problems.push(`${name}: runs agentgate without a full-history checkout (fetch-depth: 0) before it`);
      }
    });
  }
  // Comments included: a commented-out step someone may enable must name real outputs too.
  for (const [, id, output] of content.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
    if (id && output && agentgateIds.has(id) && !outputs.has(output)) {
      problems.push(`steps.${id}.outputs.${output}: output '${output}' is not declared in action.yml`);
    }
  }
  return problems;
}

/** Action metadata the action schema does not check: it accepts any key and value inside an input. */
function actionProblems(content: string, dir: string): string[] {
  const meta = parse(content) as ActionMeta & {
    runs?: { using?: string; main?: string };
    branding?: { icon?: string; color?: string };
  };
  const problems: string[] = [];
  const inputKeys = new Set(['description', 'required', 'default', 'deprecationMessage']);
  for (const [name, input] of Object.entries(meta.inputs ?? {})) {
    if (typeof input?.description !== 'string' || !input.description.trim()) {
      problems.push(`input '${name}': no description`);
    }
    for (const key of Object.keys(input ?? {})) {
      if (!inputKeys.has(key)) problems.push(`input '${name}': unknown key '${key}'`);
    }
    if (input && 'default' in input && typeof input.default !== 'string') {
      problems.push(`input '${name}': default ${JSON.stringify(input.default)} is not a string; quote it`);
    }
    if (input && 'required' in input && typeof input.required !== 'boolean') {
      problems.push(`input '${name}': required is not true or false`);
    }
  }
  for (const [name, output] of Object.entries(meta.outputs ?? {})) {
    if (typeof output?.description !== 'string' || !output.description.trim()) {
      problems.push(`output '${name}': no description`);
    }
  }
  if (meta.runs?.using !== 'node24') problems.push(`runs.using is '${meta.runs?.using}', not node24`);
  if (!meta.runs?.main || !existsSync(path.join(dir, meta.runs.main))) {
    problems.push(`runs.main '${meta.runs?.main}' is not a file`);
  }
  if (!meta.branding?.icon || !meta.branding.color) problems.push('branding needs an icon and a color');
  return problems;
}

function actionSchemaErrors(name: string, content: string): string[] {
  const parsed = parseAction({ name, content }, new NoOperationTraceWriter());
  if (parsed.value) convertActionTemplate(parsed.context, parsed.value);
  return parsed.context.errors.getErrors().map((e) => e.message);
}

const yamlFiles = (dir: string) =>
  readdirSync(path.join(root, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => `${dir}/${f}`);
const workflowFiles = yamlFiles('.github/workflows');
const exampleFiles = yamlFiles('.github/examples');
/** `${{ expr }}`, a GitHub expression. */
const gh = (expr: string) => `\${{ ${expr} }}`;
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
// Read when the tests run, not pinned here: action.yml is the one list of inputs and outputs.
const actionMeta = () => parse(read('action.yml')) as ActionMeta;

describe.each([...workflowFiles, ...exampleFiles])('%s', (file) => {
  it('is a workflow GitHub accepts', async () => {
    expect(await workflowErrors(file, read(file))).toEqual([]);
  });
  it('declares its permissions and leaves no credential in the checkout', () => {
    const problems = workflowProblems(read(file), { inputs: {}, outputs: {} });
    expect(problems.filter((p) => !/not declared in action.yml/.test(p))).toEqual([]);
  });
  it('passes agentgate only inputs action.yml declares, and reads only its outputs', () => {
    expect(workflowProblems(read(file), actionMeta())).toEqual([]);
  });
});

describe('the examples', () => {
  it('are the four uses, one file each', () => {
    expect(exampleFiles.map((f) => path.basename(f))).toEqual([
      'agentgate-dispatch.yml',
      'agentgate-issue.yml',
      'agentgate-nightly.yml',
      'agentgate-pr-gate.yml',
    ]);
  });

  const agentModes = { contents: 'write', 'pull-requests': 'write', issues: 'write' };
  const cases: [string, Record<string, string>, (wf: Workflow, step: Step) => void][] = [
    [
      'agentgate-dispatch.yml',
      agentModes,
      (wf, step) => {
        expect(wf.on).toMatchObject({ workflow_dispatch: { inputs: { task: { required: true } } } });
        expect(step.with).toMatchObject({ mode: 'agent', task: gh('inputs.task') });
      },
    ],
    [
      'agentgate-issue.yml',
      agentModes,
      (wf, step) => {
        expect(wf.on).toEqual({ issues: { types: ['labeled'] } });
        expect(wf.jobs?.agent?.if).toBe("github.event.label.name == 'agentgate'");
        expect(step.with).toMatchObject({ mode: 'agent', 'trigger-label': 'agentgate' });
      },
    ],
    [
      'agentgate-nightly.yml',
      { ...agentModes, actions: 'read' },
      (wf, step) => {
        expect(wf.on).toMatchObject({ schedule: [{ cron: expect.any(String) }], workflow_dispatch: null });
        expect(step.with).toMatchObject({ mode: 'flaky', 'flaky-max-prs': '1' });
      },
    ],
    [
      'agentgate-pr-gate.yml',
      { contents: 'read', checks: 'write', 'pull-requests': 'read' },
      (wf, step) => {
        expect(wf.on).toEqual({
          pull_request: { types: ['opened', 'synchronize', 'reopened', 'labeled', 'unlabeled'] },
        });
        expect(step.with).toMatchObject({ mode: 'gate' });
        expect(step.with).not.toHaveProperty('anthropic-api-key');
      },
    ],
  ];

  it.each(cases)('%s: its trigger, its minimal permissions, each with a reason', (name, perms, check) => {
    const text = read(`.github/examples/${name}`);
    const wf = parse(text) as Workflow;
    expect(wf.permissions).toEqual(perms);
    const doc = parseDocument(text);
    const map = doc.get('permissions', true);
    if (!isMap(map)) throw new Error(`${name}: permissions is not a mapping`);
    for (const pair of map.items) {
      const why = isScalar(pair.value) ? pair.value.comment : undefined;
      expect(why?.trim(), `${name}: permissions.${String(pair.key)} has no comment`).toBeTruthy();
    }
    const jobs = Object.values(wf.jobs ?? {});
    expect(jobs).toHaveLength(1);
    const steps = jobs[0]?.steps ?? [];
    const agentgate = steps.filter(isAgentgate);
    expect(agentgate).toHaveLength(1);
    const step = agentgate[0] as Step;
    expect(step.uses).toBe('agentgate/agentgate@v1');
    check(wf, step);
  });

  it.each(exampleFiles)('%s: header, runner, checkout and secrets', (file) => {
    const text = read(file);
    const wf = parse(text) as Workflow;
    const header = text.slice(0, text.search(/^[^#\n]/m));
    expect(header).toMatch(/^# agentgate/);
    expect(header).toContain('.github/workflows/');
    expect(header).toMatch(/^# Secrets: /m);
    expect(header).toContain('ANTHROPIC_API_KEY');
    for (const job of Object.values(wf.jobs ?? {})) {
      expect(job['runs-on']).toEqual(['self-hosted', 'agentgate']);
      const checkout = job.steps?.find(isCheckout);
      expect(checkout?.uses).toMatch(/^actions\/checkout@[0-9a-f]{40}$/); // pinned: see release.test.ts
      expect(checkout?.with).toMatchObject({ 'persist-credentials': false, 'fetch-depth': 0 });
      for (const s of job.steps ?? []) {
        if (!isAgentgate(s) || s.with?.mode === 'gate') continue;
        expect(s.with?.['anthropic-api-key']).toBe(gh('secrets.ANTHROPIC_API_KEY'));
      }
    }
    // In what runs (comments aside), the only secret is the Anthropic key.
    const secrets = new Set([...JSON.stringify(wf).matchAll(/secrets\.(\w+)/g)].map((m) => m[1]));
    expect([...secrets].filter((s) => s !== 'ANTHROPIC_API_KEY')).toEqual([]);
  });

  it('dispatch shows reading the outputs', () => {
    const wf = parse(read('.github/examples/agentgate-dispatch.yml')) as Workflow;
    const steps = wf.jobs?.agent?.steps ?? [];
    const agent = steps.findIndex(isAgentgate);
    expect(steps[agent]?.id).toBe('agent');
    expect(JSON.stringify(steps.slice(agent + 1))).toContain('steps.agent.outputs.pr-url');
  });
});

describe('the checks bite', () => {
  const job = (steps: string) =>
    `on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    steps:\n${steps}`;
  const run = '      - run: echo hi\n';

  it('accepts a plain workflow', async () => {
    expect(await workflowErrors('ok.yml', job(run))).toEqual([]);
  });
  it('GitHub parser: an unknown key', async () => {
    const bad = job(run).replace('    runs-on: x\n', '    runs-on: x\n    run-on: y\n');
    expect(await workflowErrors('bad.yml', bad)).toEqual([
      expect.stringMatching(/Unexpected value 'run-on'/),
    ]);
  });
  it('GitHub parser: a bad on:', async () => {
    expect(await workflowErrors('bad.yml', job(run).replace('on: push', 'on: pushed'))).toEqual([
      expect.stringMatching(/Unexpected value 'pushed'/),
    ]);
    const types = job(run).replace('on: push', 'on:\n  pull_request:\n    types: [open]');
    expect(await workflowErrors('bad.yml', types)).toEqual([
      expect.stringMatching(/Unexpected value 'open'/),
    ]);
  });
  it('GitHub parser: a bad permission, expression, cron or needs', async () => {
    const perm = job(run).replace('contents: read', 'contents: writ\n  issue: write');
    expect(await workflowErrors('bad.yml', perm)).toEqual([
      expect.stringMatching(/Unexpected value 'writ'/),
      expect.stringMatching(/Unexpected value 'issue'/),
    ]);
    const expr = job(`      - run: echo ${gh('step.x.outputs.y')}\n`);
    expect(await workflowErrors('bad.yml', expr)).toEqual([expect.stringMatching(/named-value: 'step'/)]);
    // These two come from the conversion, after the schema passed.
    const cron = job(run).replace('on: push', "on:\n  schedule:\n    - cron: '61 * * * *'");
    expect(await workflowErrors('bad.yml', cron)).toEqual([expect.stringMatching(/Invalid cron/)]);
    const needs = job(run).replace('    runs-on: x\n', '    needs: a\n    runs-on: x\n');
    expect(await workflowErrors('bad.yml', needs)).not.toEqual([]);
  });

  it("this project's checks: permissions, credentials, inputs, outputs, full history", () => {
    const action = { inputs: { task: {} }, outputs: { outcome: {} } };
    const steps = [
      '      - uses: actions/checkout@v4',
      '      - id: ag',
      '        uses: agentgate/agentgate@v1',
      '        with:',
      '          task: x',
      '          tsak: y',
      `      - run: echo ${gh('steps.ag.outputs.outcome')} ${gh('steps.ag.outputs.pr')}`,
      '',
    ].join('\n');
    expect(workflowProblems(job(steps).replace('permissions:\n  contents: read\n', ''), action)).toEqual([
      'a: no permissions, top-level or job-level',
      'a: actions/checkout@v4: checkout without persist-credentials: false',
      "a: ag: input 'tsak' is not declared in action.yml",
      'a: ag: runs agentgate without a full-history checkout (fetch-depth: 0) before it',
      "steps.ag.outputs.pr: output 'pr' is not declared in action.yml",
    ]);
    expect(
      workflowProblems(job(run).replace('permissions:\n  contents: read', 'permissions: write-all'), action),
    ).toEqual(["top level: permissions 'write-all'; name each scope instead"]);
  });
});

describe('action.yml', () => {
  it('passes the action schema of @actions/workflow-parser', () => {
    expect(actionSchemaErrors('action.yml', read('action.yml'))).toEqual([]);
  });
  it('passes the checks the schema leaves out', () => {
    expect(actionProblems(read('action.yml'), root)).toEqual([]);
  });
  it('the schema bites: unknown keys, runtime, branding, missing fields', () => {
    const bad = [
      'name: x',
      'descripton: typo',
      'branding:',
      '  icon: unicorn',
      '  color: pink',
      'runs:',
      '  using: node18',
      '  main: x.js',
      '',
    ].join('\n');
    expect(actionSchemaErrors('action.yml', bad)).toEqual([
      expect.stringMatching(/Unexpected value 'descripton'/),
      expect.stringMatching(/Unexpected value 'unicorn'/),
      expect.stringMatching(/Unexpected value 'pink'/),
      expect.stringMatching(/Unexpected value 'node18'/),
      expect.stringMatching(/Required property is missing: description/),
    ]);
  });
  it('the structural checks bite where the schema does not', () => {
    const bad = [
      'name: x',
      'description: y',
      'inputs:',
      '  a:',
      '    descripton: typo',
      '    default: 3',
      'outputs:',
      '  b: {}',
      'runs:',
      '  using: node24',
      '  main: missing.js',
      '',
    ].join('\n');
    expect(actionSchemaErrors('action.yml', bad)).toEqual([]);
    expect(actionProblems(bad, root)).toEqual([
      "input 'a': no description",
      "input 'a': unknown key 'descripton'",
      "input 'a': default 3 is not a string; quote it",
      "output 'b': no description",
      "runs.main 'missing.js' is not a file",
      'branding needs an icon and a color',
    ]);
  });
});

describe("the README's quick start", () => {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('### Quick start'), readme.indexOf('### What it does'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

  it('is a complete workflow GitHub accepts, with the checks every example passes', async () => {
    expect(yaml).toContain('uses: agentgate/agentgate@v1');
    expect(await workflowErrors('README quick start', yaml)).toEqual([]);
    expect(workflowProblems(yaml, actionMeta())).toEqual([]);
  });
  it('says which permissions and secrets it needs', () => {
    const wf = parse(yaml) as Workflow;
    expect(wf.permissions).toEqual({ contents: 'write', 'pull-requests': 'write', issues: 'write' });
    expect(yaml).toContain('secrets.ANTHROPIC_API_KEY');
    expect(section).toMatch(/repository secret\s+`ANTHROPIC_API_KEY`/);
    expect(section).toContain('Allow GitHub Actions to create and approve pull requests');
  });
});
