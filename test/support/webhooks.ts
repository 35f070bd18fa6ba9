// Real webhook payloads from @octokit/webhooks-examples (the examples GitHub's docs publish), moved onto
// the test repository: the action reads them exactly as it reads what a runner hands it.
import { createRequire } from 'node:module';
import { OWNER, REPO } from './action-harness.js';

interface Example {
  name: string;
  examples: Record<string, unknown>[];
}

const examples = createRequire(import.meta.url)(
  '@octokit/webhooks-examples/api.github.com/index.json',
) as Example[];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `base` with `patch` merged in: objects merge, anything else (arrays included) replaces. */
function merge(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const b = out[k];
    out[k] = isObject(v) && isObject(b) ? merge(b, v) : v;
  }
  return out;
}

/**
 * The first example of `event` with `action`, its repository renamed to acme/widgets, with `patch`
 * merged over it.
 */
export function webhook(event: string, action: string, patch: Json = {}): Json {
  const found = examples.find((e) => e.name === event)?.examples.find((x) => x.action === action);
  if (!found) throw new Error(`no ${event}.${action} example in @octokit/webhooks-examples`);
  const copy = JSON.parse(JSON.stringify(found)) as Json;
  const repository = {
    name: REPO,
    full_name: `${OWNER}/${REPO}`,
    owner: { login: OWNER },
    default_branch: 'main',
  };
  return merge(copy, { repository, ...patch });
}
