// DuckDB alone, no loader: how much memory does the embedded engine itself need to take N wide
// rows into a table with a primary key, at a given memory_limit? One process per measurement, so
// its peak RSS (VmHWM) is DuckDB's plus Node's baseline and nothing else. Rows go in batches of
// 1,500, each in its own transaction, as the loader's do on a first load; the rows are generated
// by DuckDB itself (INSERT … SELECT FROM range), so no JavaScript values or garbage are counted.
// Prints one JSON line: { rows, seconds, cpuSeconds, peakRssMb, baselineRssMb, error? }.
import { readFileSync, rmSync } from 'node:fs';
import duckdb from '@duckdb/node-api';

const options = JSON.parse(process.argv[2] ?? '{}');
const { path, memoryLimit, checkpointThreshold, rows: wanted, batch = 1_500, columns = 110 } = options;
const started = process.hrtime.bigint();
const status = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

for (const file of [path, `${path}.wal`]) rmSync(file, { force: true });
const instance = await duckdb.DuckDBInstance.create(path, { memory_limit: memoryLimit, checkpoint_threshold: checkpointThreshold, threads: '1' });
const connection = await instance.connect();
// A third doubles, the rest text of deal-like length: the shape of a deals table with custom fields.
const isDouble = (i) => i % 3 === 0;
const definitions = Array.from({ length: columns }, (_, i) => `c${i} ${isDouble(i) ? 'DOUBLE' : 'VARCHAR'}`);
await connection.run(`CREATE TABLE deals (id BIGINT PRIMARY KEY, ${definitions.join(', ')})`);
const generated = Array.from({ length: columns }, (_, i) =>
  isDouble(i) ? `(r * ${i + 1})::DOUBLE` : `'value ' || ((r * ${i + 7}) % 100003)::VARCHAR || ' of field ${i}'`,
);
const baselineRssMb = status('VmRSS');

let rows = 0;
let error;
try {
  while (rows < wanted) {
    const n = Math.min(batch, wanted - rows);
    await connection.run('BEGIN');
    await connection.run(`INSERT INTO deals SELECT r, ${generated.join(', ')} FROM range(${rows + 1}, ${rows + n + 1}) AS t(r)`);
    await connection.run('COMMIT');
    rows += n;
  }
} catch (cause) {
  error = String(cause instanceof Error ? cause.message : cause).split('\n')[0];
}
connection.closeSync();
instance.closeSync();
for (const file of [path, `${path}.wal`]) rmSync(file, { force: true });

const usage = process.resourceUsage();
console.log(JSON.stringify({
  rows,
  seconds: Number(process.hrtime.bigint() - started) / 1e9,
  cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
  peakRssMb: status('VmHWM'),
  baselineRssMb,
  error,
}));
