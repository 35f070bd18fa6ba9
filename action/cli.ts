#!/usr/bin/env node
// CLI entry: `agentgate <command>`. Results go to stdout, progress and errors to stderr.
import { main } from './cli/main.js';

const code = await main(process.argv.slice(2), {
  env: process.env,
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
});
process.exitCode = code;
