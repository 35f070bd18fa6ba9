// The SARIF 2.1.0 JSON schema as a validator, from the copy @microsoft/jest-sarif ships.
// That schema is draft-04 in name only (no draft-04-only keywords); ajv 8 reads it as draft-07 once
// the draft-04 `$schema` and `id` are dropped. Strict mode stays on; `unicodeRegExp` is off because
// the schema's `language` pattern has a stray `]` that only a non-unicode RegExp accepts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);
const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const {
  $schema: _draft,
  id: _id,
  ...schema
} = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, unicodeRegExp: false });
addFormats.default(ajv);

export const validateSarif = ajv.compile(schema);
