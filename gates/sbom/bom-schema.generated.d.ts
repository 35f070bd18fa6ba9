// Types of bom-schema.generated.js (scripts/gen-bom-validator.mjs): ajv's standalone validate function.
export interface BomSchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

declare const validate: ((data: unknown) => boolean) & { errors?: BomSchemaError[] | null };
export default validate;
