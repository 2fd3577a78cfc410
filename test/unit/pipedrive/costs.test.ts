/**
 * Checks the committed cost table against Pipedrive's OpenAPI specs. The specs are not shipped
 * with the package: this runs where findSpecDir finds them (PIPEDRIVE_OPENAPI_DIR, or
 * ../shared/reference/pipedrive-openapi beside the clone, as the contract test does).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ApiVersion } from '../../../src/pipedrive/catalog.js';
import { TOKEN_COSTS, tokenCost, type HttpMethod } from '../../../src/pipedrive/costs.js';
import { findSpecDir } from '../../sandbox/openapi-schema.js';

const dir = findSpecDir();
const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

interface SpecCost {
  readonly api: ApiVersion;
  readonly method: HttpMethod;
  readonly path: string;
  readonly cost: number;
}

function specCosts(api: ApiVersion, file: string): SpecCost[] {
  const spec = parse(readFileSync(file, 'utf8')) as { paths?: Record<string, Record<string, unknown>> };
  const out: SpecCost[] = [];
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method.toLowerCase()] as Record<string, unknown> | undefined;
      const cost = operation?.['x-token-cost'];
      if (typeof cost === 'number') out.push({ api, method, path, cost });
    }
  }
  return out;
}

describe.skipIf(!dir)(
  dir ? `token costs match the OpenAPI specs in ${dir}` : 'token costs vs OpenAPI specs (skipped: set PIPEDRIVE_OPENAPI_DIR, or put the specs in ../shared/reference/pipedrive-openapi)',
  () => {
    const all = dir ? [...specCosts('v1', join(dir, 'v1.yml')), ...specCosts('v2', join(dir, 'v2.yml'))] : [];

    it('finds the x-token-cost annotations', () => {
      expect(all.filter((c) => c.api === 'v1').length).toBeGreaterThan(100);
      expect(all.filter((c) => c.api === 'v2').length).toBeGreaterThan(100);
    });

    it('tokenCost() equals x-token-cost for every operation, for the template and a concrete path', () => {
      const mismatches: string[] = [];
      for (const { api, method, path, cost } of all) {
        const concrete = path.replace(/\{[^}]+\}/g, '12345');
        for (const candidate of [path, concrete]) {
          const actual = tokenCost(api, method, candidate);
          if (actual !== cost) mismatches.push(`${api} ${method} ${candidate}: spec ${cost}, tokenCost ${actual}`);
        }
      }
      expect(mismatches).toEqual([]);
    });

    it('every entry of the committed table is an operation of the specs', () => {
      const inSpec = new Set(all.map((c) => `${c.api} ${c.method} ${c.path} ${c.cost}`));
      const extra = TOKEN_COSTS.map(([api, method, path, cost]) => `${api} ${method} ${path} ${cost}`).filter(
        (key) => !inSpec.has(key),
      );
      expect(extra).toEqual([]);
    });
  },
);
