/**
 * dbt's documented source properties (docs.getdbt.com/reference/source-properties and
 * /reference/resource-properties/freshness), as a JSON schema. Unknown keys are refused, so a
 * typo in the generator (`loaded_at_feild`) fails the test instead of being ignored by dbt.
 */
import { Ajv, type ValidateFunction } from 'ajv';

const duration = {
  type: 'object',
  additionalProperties: false,
  required: ['count', 'period'],
  properties: {
    count: { type: 'integer', minimum: 1 },
    period: { enum: ['minute', 'hour', 'day'] },
  },
};

const freshness = {
  anyOf: [
    { type: 'null' },
    {
      type: 'object',
      additionalProperties: false,
      properties: { warn_after: duration, error_after: duration, filter: { type: 'string' } },
    },
  ],
};

/** `unique`, or `{accepted_values: {values: [...]}}`, or the long form with `test_name`. */
const test = {
  anyOf: [{ type: 'string' }, { type: 'object', minProperties: 1 }],
};
const tests = { type: 'array', items: test };

const config = {
  type: 'object',
  properties: {
    enabled: { type: 'boolean' },
    freshness,
    loaded_at_field: { type: 'string' },
    loaded_at_query: { type: 'string' },
    meta: { type: 'object' },
    tags: { type: 'array', items: { type: 'string' } },
    event_time: { type: 'string' },
  },
};

const quoting = {
  type: 'object',
  additionalProperties: false,
  properties: { database: { type: 'boolean' }, schema: { type: 'boolean' }, identifier: { type: 'boolean' } },
};

const column = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    data_type: { type: 'string' },
    meta: { type: 'object' },
    quote: { type: 'boolean' },
    tests,
    data_tests: tests,
    tags: { type: 'array', items: { type: 'string' } },
    config: { type: 'object' },
    constraints: { type: 'array' },
  },
  not: { required: ['tests', 'data_tests'] },
};

const table = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    identifier: { type: 'string' },
    loaded_at_field: { type: 'string' },
    freshness,
    meta: { type: 'object' },
    tags: { type: 'array', items: { type: 'string' } },
    quoting,
    external: { type: 'object' },
    config,
    tests,
    data_tests: tests,
    columns: { type: 'array', items: column },
  },
};

const source = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    database: { type: 'string' },
    schema: { type: 'string' },
    loader: { type: 'string' },
    loaded_at_field: { type: 'string' },
    freshness,
    meta: { type: 'object' },
    tags: { type: 'array', items: { type: 'string' } },
    overrides: { type: 'string' },
    quoting,
    config,
    tables: { type: 'array', items: table },
  },
};

export const DBT_SOURCES_SCHEMA = {
  type: 'object',
  required: ['version', 'sources'],
  properties: {
    version: { const: 2 },
    sources: { type: 'array', items: source },
  },
};

export function dbtSourcesValidator(): ValidateFunction {
  return new Ajv({ allErrors: true, strict: false }).compile(DBT_SOURCES_SCHEMA);
}
