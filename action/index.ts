// Action entry: nothing here but the call.
import { run } from './main.js';

await run();
