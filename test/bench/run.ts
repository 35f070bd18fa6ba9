// `npm run bench`: every benchmark under test/bench/, one after the other.
import { main as flaky } from './flaky-rerun.js';
import { main as gates } from './gates.js';
import { main as loop } from './loop-overhead.js';
import { main as microvm } from './microvm.js';
import { main as redact } from './redact.js';
import { main as sandbox } from './sandbox-overhead.js';
import { main as startup } from './startup.js';
import { main as warmStart } from './warm-start.js';

await loop();
await sandbox();
await redact();
await gates();
await flaky();
await startup();
await warmStart();
await microvm();
