/**
 * The field metadata is read on the list cadence (src/load/list-cadence.ts), not every run. A
 * field created in Pipedrive between two runs may wait for the cadence while no record uses it;
 * a record that uses one, or an option the stored metadata does not know, must still load with
 * its column, named from the field's name, and its label: the run re-reads that entity's
 * metadata before shaping the record (src/load/field-refresh.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli } from '../helpers/cli.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';

const SCHEMA = 'field_cadence';

interface LogLine {
  readonly event: string;
  readonly stream?: string | null;
  readonly requests?: number | null;
  readonly message?: string;
}

let sandbox: Sandbox;
let dir: string;

async function load(): Promise<LogLine[]> {
  const result = await spawnCli(
    ['load', '--integration', 'Field Cadence', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', '--log-format', 'json'],
    { cwd: dir, env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined } },
  );
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim().split('\n').map((line) => JSON.parse(line) as LogLine);
}

const requestsOf = (lines: readonly LogLine[], stream: string): number =>
  lines.filter((line) => line.event === 'stream_finished' && line.stream === stream).reduce((sum, line) => sum + (line.requests ?? 0), 0);

function query(sql: string): Promise<Record<string, unknown>[]> {
  return queryDuckDBFile(join(dir, 'pipedrive.duckdb'), sql);
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 3, deals: 200 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-field-cadence-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('field metadata on the list cadence', () => {
  it('loads a brand-new field and option used by a record before the cadence is due', async () => {
    await load();
    const quiet = await load();
    // The cadence is not due: no field metadata read when nothing needs it.
    expect(quiet.some((line) => line.event === 'fields_refreshed')).toBe(false);
    for (const entity of ['deal', 'person', 'organization', 'product', 'activity', 'note', 'lead']) {
      expect(requestsOf(quiet, `${entity}_fields`), entity).toBe(0);
    }

    sandbox.clock.advance(600);
    // A new enum field used by a deal, a new text field used by a person, and a new field no
    // organization uses yet (that one may wait for the cadence).
    const risk = sandbox.mutate.addField('deal', { name: 'Churn risk', field_type: 'enum', options: ['Low', 'High'] });
    const high = sandbox.fields('deal').find((field) => field.field_code === risk)?.options?.find((o) => o.label === 'High');
    expect(high).toBeDefined();
    const nickname = sandbox.mutate.addField('person', { name: 'Nickname', field_type: 'varchar' });
    sandbox.mutate.addField('organization', { name: 'Unused yet', field_type: 'varchar' });
    let dealId = 0;
    for await (const deal of sandbox.records('deals')) {
      if (deal.is_deleted !== true) {
        dealId = Number(deal.id);
        break;
      }
    }
    sandbox.mutate.update('deals', dealId, { custom_fields: { [risk]: high?.id } });
    let personId = 0;
    for await (const person of sandbox.records('persons')) {
      personId = Number(person.id);
      break;
    }
    sandbox.mutate.update('persons', personId, { custom_fields: { [nickname]: 'Bobby' } });

    const changed = await load();
    const refreshed = changed.filter((line) => line.event === 'fields_refreshed').map((line) => line.stream);
    expect(refreshed.sort()).toEqual(['deal_fields', 'person_fields']);
    expect(requestsOf(changed, 'deal_fields')).toBe(1);
    expect(requestsOf(changed, 'person_fields')).toBe(1);
    expect(requestsOf(changed, 'organization_fields')).toBe(0);

    const [deal] = await query(`SELECT churn_risk FROM ${SCHEMA}.deals WHERE id = ${dealId}`);
    expect(deal?.churn_risk).toBe('High');
    const [person] = await query(`SELECT nickname FROM ${SCHEMA}.persons WHERE id = ${personId}`);
    expect(person?.nickname).toBe('Bobby');
    // The metadata tables hold what was read, so the next run knows the fields without asking.
    const fields = await query(`SELECT field_name FROM ${SCHEMA}.deal_fields WHERE field_code = '${risk}'`);
    expect(fields).toEqual([{ field_name: 'Churn risk' }]);
    const after = await load();
    expect(after.some((line) => line.event === 'fields_refreshed')).toBe(false);
  });

  it('reads a list whose table was dropped by hand at once, whatever the cadence', async () => {
    await queryDuckDBFile(join(dir, 'pipedrive.duckdb'), `DROP TABLE ${SCHEMA}.stages`);
    const lines = await load();
    expect(requestsOf(lines, 'stages')).toBe(1);
    const rows = await query(`SELECT COUNT(*) AS n FROM ${SCHEMA}.stages`);
    expect(Number(rows[0]?.n)).toBeGreaterThan(0);
  });
});
