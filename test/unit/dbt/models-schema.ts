/**
 * dbt's documented model properties (docs.getdbt.com/reference/model-properties, data-tests,
 * data-test-configs) restricted to what `dbt-models` may write, as a strict JSON schema: unknown
 * keys are refused, and each of the four generic tests must carry exactly its arguments, so a typo
 * (`accepted_value`, `feild`) fails here instead of failing `dbt parse` in a user's project.
 * dbt's own JSON schemas (github.com/dbt-labs/dbt-jsonschema) are not published on npm.
 */
import { Ajv, type ValidateFunction } from 'ajv';

const testConfig = {
  type: 'object',
  additionalProperties: false,
  properties: { severity: { enum: ['warn', 'error'] } },
};

/** A generic test whose arguments sit under `arguments:` (dbt ≥ 1.10.5) or beside `config:`. */
function testWith(name: string, args: Record<string, unknown>, required: readonly string[]): Record<string, unknown> {
  const argumentsObject = { type: 'object', additionalProperties: false, required, properties: args };
  return {
    type: 'object',
    additionalProperties: false,
    required: [name],
    properties: {
      [name]: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['arguments'],
            properties: { arguments: argumentsObject, config: testConfig },
          },
          { type: 'object', additionalProperties: false, required, properties: { ...args, config: testConfig } },
        ],
      },
    },
  };
}

const test = {
  oneOf: [
    { enum: ['unique', 'not_null'] },
    testWith('accepted_values', { values: { type: 'array', minItems: 1, items: { type: 'string' } } }, ['values']),
    testWith(
      'relationships',
      { to: { type: 'string', pattern: "^ref\\('[A-Za-z0-9_]+'\\)$" }, field: { type: 'string', minLength: 1 } },
      ['to', 'field'],
    ),
  ],
};
const tests = { type: 'array', minItems: 1, items: test };

const column = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description'],
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string', minLength: 1 },
    quote: { type: 'boolean' },
    data_tests: tests,
    tests,
  },
  not: { required: ['tests', 'data_tests'] },
};

const model = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description', 'columns'],
  properties: {
    name: { type: 'string', pattern: '^[a-z_][a-z0-9_]*$' },
    description: { type: 'string', minLength: 1 },
    columns: { type: 'array', minItems: 1, items: column },
  },
};

export const DBT_MODELS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'models'],
  properties: {
    version: { const: 2 },
    models: { type: 'array', minItems: 1, maxItems: 1, items: model },
  },
};

export function dbtModelsValidator(): ValidateFunction {
  return new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(DBT_MODELS_SCHEMA);
}
