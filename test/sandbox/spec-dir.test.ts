/**
 * `npm test` finds Pipedrive's OpenAPI specs by itself: PIPEDRIVE_OPENAPI_DIR when set, else
 * ../shared/reference/pipedrive-openapi beside the repository (before, the 40 contract tests
 * skipped unless .ci/run exported the variable).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { findSpecDir, SIBLING_SPEC_DIR } from './openapi-schema.js';

describe('findSpecDir', () => {
  it('prefers PIPEDRIVE_OPENAPI_DIR', () => {
    expect(findSpecDir({ PIPEDRIVE_OPENAPI_DIR: '/somewhere/specs' })).toBe('/somewhere/specs');
  });

  it('falls back to the shared reference beside the repository, when it holds both specs', () => {
    const sibling = resolve(ROOT, SIBLING_SPEC_DIR);
    const present = existsSync(join(sibling, 'v1.yml')) && existsSync(join(sibling, 'v2.yml'));
    expect(findSpecDir({})).toBe(present ? sibling : undefined);
    expect(findSpecDir({ PIPEDRIVE_OPENAPI_DIR: '' })).toBe(present ? sibling : undefined);
  });
});
