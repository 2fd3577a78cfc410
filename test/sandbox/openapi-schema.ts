/**
 * Loads Pipedrive's OpenAPI specs and turns one operation's 200 response schema into a JSON
 * Schema for ajv, applying only the exceptions documented in KNOWN-QUIRKS.md:
 * - Nullability: every typed schema also accepts null (the spec under-declares `nullable`).
 * - Timestamps: v1 field lists declare `date-time` but send 'YYYY-MM-DD HH:MM:SS'; that format
 *   is dropped for v1 operations only.
 * - v2 GET /products: items are described as whole responses; callers validate items against
 *   the embedded product schema instead (see `productItemSchema`).
 * - Undeclared fields need no exception: the schemas do not forbid additional properties.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Where the shared reference lives beside a clone: ../shared/reference/pipedrive-openapi. */
export const SIBLING_SPEC_DIR = '../shared/reference/pipedrive-openapi';

/**
 * The folder holding Pipedrive's v1.yml and v2.yml: PIPEDRIVE_OPENAPI_DIR when set, otherwise
 * SIBLING_SPEC_DIR relative to the repository root when it holds both files, so a plain
 * `npm test` finds it without any setup. Undefined when neither exists (the tests then skip,
 * saying so).
 */
export function findSpecDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = env['PIPEDRIVE_OPENAPI_DIR'];
  if (given !== undefined && given !== '') return given;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const sibling = resolve(root, SIBLING_SPEC_DIR);
  return existsSync(join(sibling, 'v1.yml')) && existsSync(join(sibling, 'v2.yml')) ? sibling : undefined;
}

export type Schema = Record<string, unknown>;
export type Spec = { paths: Record<string, Record<string, Schema>> } & Schema;

export function loadSpec(dir: string, version: 'v1' | 'v2'): Spec {
  return parse(readFileSync(join(dir, `${version}.yml`), 'utf8')) as Spec;
}

function lookup(spec: Spec, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`external $ref not supported: ${ref}`);
  let node: unknown = spec;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (node === undefined) throw new Error(`unresolvable $ref ${ref}`);
  }
  return node;
}

const DROPPED_KEYS = new Set(['example', 'examples', 'description', 'title', 'xml', 'externalDocs', 'deprecated', 'readOnly', 'writeOnly', 'discriminator']);

/** Inlines $refs and rewrites OpenAPI 3.0 keywords to JSON Schema, applying the quirks above. */
export function toJsonSchema(spec: Spec, node: unknown, options: { dropDateTime: boolean }, depth = 0): unknown {
  if (depth > 40) return {}; // recursive schemas: stop, accept anything below
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(spec, n, options, depth + 1));
  if (typeof node !== 'object' || node === null) return node;
  const source = node as Schema;
  if (typeof source.$ref === 'string') return toJsonSchema(spec, lookup(spec, source.$ref), options, depth + 1);
  const out: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    if (DROPPED_KEYS.has(key) || key.startsWith('x-') || key === 'nullable') continue;
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toJsonSchema(spec, sub, options, depth + 1)]));
    } else if (key === 'format' && options.dropDateTime && value === 'date-time') {
      continue;
    } else {
      out[key] = toJsonSchema(spec, value, options, depth + 1);
    }
  }
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
  }
  // A `required` list must not make null-valued members fail: nullability quirk only, required stays.
  return out;
}

export function responseSchema(spec: Spec, path: string, options: { dropDateTime: boolean }): Schema {
  const operation = spec.paths[path]?.get as Schema | undefined;
  if (!operation) throw new Error(`no GET ${path} in spec`);
  const responses = operation.responses as Record<string, Schema>;
  const content = (responses['200']?.content as Record<string, Schema> | undefined)?.['application/json'];
  if (!content?.schema) throw new Error(`no 200 JSON schema for GET ${path}`);
  return toJsonSchema(spec, content.schema, options) as Schema;
}

/** Properties of a schema, merging allOf members (enough for navigating the specs). */
export function propertiesOf(schema: Schema): Record<string, Schema> {
  const merged: Record<string, Schema> = { ...((schema.properties as Record<string, Schema> | undefined) ?? {}) };
  for (const part of (schema.allOf as Schema[] | undefined) ?? []) Object.assign(merged, propertiesOf(part));
  return merged;
}

/** KNOWN-QUIRKS: v2 /products items are `{success, data: product}`; this returns the product schema. */
export function productItemSchema(listSchema: Schema): Schema {
  const items = propertiesOf(listSchema).data?.items as Schema | undefined;
  const product = items ? propertiesOf(items).data : undefined;
  if (!product) throw new Error('v2 /products schema no longer has the documented {success, data} item shape');
  return product;
}

export interface QueryParameter {
  readonly name: string;
  readonly description: string;
  readonly schema: Schema;
}

/** The query parameters of an operation, $refs resolved: what the spec says changes the answer. */
export function queryParameters(spec: Spec, path: string): QueryParameter[] {
  const operation = spec.paths[path]?.get as Schema | undefined;
  if (!operation) throw new Error(`no GET ${path} in spec`);
  return ((operation.parameters as Schema[] | undefined) ?? [])
    .map((parameter) => (typeof parameter.$ref === 'string' ? (lookup(spec, parameter.$ref) as Schema) : parameter))
    .filter((parameter) => parameter.in === 'query')
    .map((parameter) => ({ name: String(parameter.name), description: String(parameter.description ?? ''), schema: (parameter.schema as Schema | undefined) ?? {} }));
}
