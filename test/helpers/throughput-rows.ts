/**
 * The synthetic rows the adapter throughput tests push through upsertBatch: a deal-like table
 * with every logical type, so each warehouse's figures are measured on the same data.
 */
import type { ColumnSpec, Row } from '../../src/schema/types.js';

export const THROUGHPUT_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'string' },
  { name: 'value', type: 'decimal' },
  { name: 'probability', type: 'double' },
  { name: 'active', type: 'boolean' },
  { name: 'close_date', type: 'date' },
  { name: 'update_time', type: 'timestamp' },
  { name: 'add_time', type: 'timestamp' },
  { name: 'labels', type: 'string_list' },
  { name: 'custom', type: 'json' },
  { name: 'owner_name', type: 'string' },
  { name: 'org_id', type: 'bigint' },
  { name: '_loaded_at', type: 'timestamp' },
  { name: '_load_id', type: 'string' },
];
export const THROUGHPUT_ROWS = 100_000;
export const THROUGHPUT_BATCH = 10_000;

/** Row `id` of load round `round`; later rounds carry newer update times (so they update). */
export function throughputRow(id: number, round: number, titleSuffix = ''): Row {
  const time = new Date(Date.UTC(2024, 0, 1) + id * 1000 + round * 86_400_000).toISOString().replace('.000Z', 'Z');
  return {
    id,
    title: `Deal number ${id} for Ärztekammer «${round}»${titleSuffix}`,
    value: `${id}.25`,
    probability: (id % 100) / 100,
    active: id % 3 === 0,
    close_date: '2024-12-31',
    update_time: time,
    add_time: '2023-01-01T00:00:00Z',
    labels: id % 2 ? ['hot', 'vip'] : [],
    custom: `{"k":${id}}`,
    owner_name: `owner ${id % 50}`,
    org_id: id % 1000,
    _loaded_at: time,
    _load_id: `load-${round}`,
  };
}
