// What a policy that does not load raises: a PolicyError naming the file, the line and column, the field
// path and what was expected there. Apart from the loader, so that catching one loads no parser.

export interface PolicyErrorLocation {
  line?: number;
  column?: number;
  fieldPath?: string;
  expected?: string;
}

export class PolicyError extends Error {
  readonly file: string;
  line?: number;
  column?: number;
  fieldPath?: string;
  expected?: string;

  constructor(file: string, message: string, location: PolicyErrorLocation = {}) {
    super(message);
    this.name = 'PolicyError';
    this.file = file;
    this.line = location.line;
    this.column = location.column;
    this.fieldPath = location.fieldPath;
    this.expected = location.expected;
  }
}
