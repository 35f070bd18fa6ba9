// The scripted model session the demo (and the end-to-end test) replays: it looks around, is denied
// reading .env and pushing, claims to be done too early, is sent back by the finish check, fixes the bug.
import { finalText, type ScriptStep, toolUse } from '../support/messages-server.js';

const use = (name: string, input: unknown) => toolUse(name, input, { input_tokens: 1200, output_tokens: 60 });
const say = (text: string) => finalText(text, { input_tokens: 1500, output_tokens: 80 });

export const DEMO_TASK = `applyDiscount returns the discount instead of the discounted price.
Fix it so the tests in test/price.test.mjs pass.`;

export const DEMO_SESSION: ScriptStep[] = [
  use('list_files', {}),
  use('read_file', { path: '.env' }),
  use('read_file', { path: 'src/price.mjs' }),
  use('run_tests', {}),
  say('The discount logic looks right to me; I think the task is done.'),
  use('edit_file', {
    path: 'src/price.mjs',
    old_string: 'return Math.round(cents * percent / 100);',
    new_string: 'return Math.round(cents * (100 - percent) / 100);',
  }),
  use('run_command', { command: 'git push origin HEAD' }),
  use('run_tests', {}),
  say(
    'Fixed applyDiscount: it returned the discount amount; it now returns the price after the discount. All 3 tests pass.',
  ),
];
