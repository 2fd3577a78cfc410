// The minimal reference loader of `npm run bench`: what loading the deals table needs and nothing
// more, to measure the loader's own overhead against. It reads the same sandbox pages as the
// loader's run (the same request parameters), shapes each record with the loader's table model
// (so both tables hold the same values; the model defines the contents, not the speed of the
// path around it), and writes them with one bulk write per run: COPY text into PostgreSQL, the
// Appender into DuckDB. No batching, no bookmark, no state: one transaction.
//
// HTTP is node:http with a kept-alive agent into a reused buffer, decoded by a TextDecoder and
// JSON.parse'd; the next page is asked for while this one is written.
//
// Usage: node reference-child.mjs '<json>' with {sandboxUrl, token, target: 'pg'|'duckdb',
// pgUrl | duckdbPath + loaderDuckdbPath, loaderSchema, schema, since?}. `since` makes it an
// incremental run (updated_since, staged and merged by primary key). Prints one JSON line:
// {rows, seconds, cpuSeconds, peakRssMb, dbCpuSeconds}.
import { Buffer } from 'node:buffer';
import http from 'node:http';
import { URL } from 'node:url';
import { TextDecoder } from 'node:util';
import { readFileSync } from 'node:fs';
import { mainThreadCpuSeconds } from './main-thread-cpu.mjs';
import { PipedriveClient } from '../dist/src/pipedrive/index.js';
import { STREAMS } from '../dist/src/pipedrive/catalog.js';
import { requestParams } from '../dist/src/load/stream-reader.js';
import { buildModels, readFieldMetadata } from '../dist/src/load/schema-sync.js';

const started = process.hrtime.bigint();
const options = JSON.parse(process.argv[2] ?? '{}');
// `--streams deals` loads the deals table, which the deals and archived deals streams both write.
const streams = STREAMS.filter((candidate) => candidate.table === 'deals' && !candidate.children && !candidate.describes);
const loadedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const loadId = `reference-${process.pid}`;

// The table model, built as the loader's first run builds it (no column map persisted yet).
const client = new PipedriveClient({ baseUrl: options.sandboxUrl, apiToken: options.token, requestsPer2s: 1000 });
const fields = await readFieldMetadata(client, streams);
const model = buildModels(streams, fields, [], loadedAt).get('deals');

const agent = new http.Agent({ keepAlive: true });
let buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
const decoder = new TextDecoder();

function getPage(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent, headers: { 'x-api-token': options.token } }, (response) => {
      let length = 0;
      response.on('data', (chunk) => {
        if (length + chunk.length > buffer.length) {
          const bigger = Buffer.allocUnsafe(Math.max(buffer.length * 2, length + chunk.length));
          buffer.copy(bigger, 0, 0, length);
          buffer = bigger;
        }
        chunk.copy(buffer, length);
        length += chunk.length;
      });
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`${url} answered ${response.statusCode}`));
        else resolve(JSON.parse(decoder.decode(buffer.subarray(0, length))));
      });
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** Pages of the deals table's streams, one after the other, each asked for while the previous one is written. */
async function* pages() {
  for (const stream of streams) {
    const params = { ...stream.params, limit: 500, ...requestParams(stream, options.since) };
    const urlFor = (cursor) => {
      const url = new URL(`${options.sandboxUrl}/api/v2${stream.path}`);
      for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
      if (cursor) url.searchParams.set('cursor', cursor);
      return url;
    };
    let pending = getPage(urlFor(undefined));
    while (pending) {
      const envelope = await pending;
      const next = envelope.additional_data?.next_cursor;
      pending = next ? getPage(urlFor(next)) : undefined;
      yield envelope.data ?? [];
    }
  }
}

function shaped(record) {
  const row = model.shape(record);
  row._loaded_at = loadedAt;
  row._load_id = loadId;
  return row;
}

function processCpuSeconds(pid) {
  try {
    const fieldsOf = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fieldsOf[11]) + Number(fieldsOf[12])) / 100;
  } catch {
    return undefined;
  }
}

const typeOf = new Map(model.spec.columns.map((column) => [column.name, column.type]));
let rows = 0;
let dbCpuSeconds;

// ── PostgreSQL: COPY text ──────────────────────────────────────────────────────────────────────
// eslint-disable-next-line no-control-regex -- NUL is one of the characters COPY cannot take
const escapeText = (text) => (/[\\\t\n\r\u0000]/.test(text) ? text.replace(/[\\\t\n\r\u0000]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\u0000': '' })[c]) : text);
const arrayItem = (item) => `"${String(item).replace(/[\\"]/g, (c) => `\\${c}`)}"`;

function copyCell(value, type) {
  if (value === null || value === undefined) return '\\N';
  if (type === 'boolean') return value ? 't' : 'f';
  if (type === 'string_list') return escapeText(`{${value.map(arrayItem).join(',')}}`);
  return typeof value === 'string' ? escapeText(value) : String(value);
}

async function loadPostgres() {
  const { default: pg } = await import('pg');
  const { from: copyFrom } = await import('pg-copy-streams');
  const db = new pg.Client({ connectionString: options.pgUrl });
  await db.connect();
  const backend = (await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const cpuBefore = processCpuSeconds(backend);
  const table = `"${options.schema}"."deals"`;
  const { rows: described } = await db.query(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
    [options.loaderSchema, 'deals'],
  );
  const columns = described.map((row) => row.column_name);
  const types = columns.map((name) => typeOf.get(name) ?? 'string');
  const list = columns.map((name) => `"${name}"`).join(', ');
  await db.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
  if (options.since === undefined) {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.query(`CREATE TABLE ${table} (LIKE "${options.loaderSchema}"."deals" INCLUDING ALL)`);
  }
  await db.query('BEGIN');
  const into = options.since === undefined ? table : 'reference_staging';
  if (options.since !== undefined) await db.query(`CREATE TEMP TABLE reference_staging (LIKE ${table}) ON COMMIT DROP`);
  const copy = db.query(copyFrom(`COPY ${into} (${list}) FROM STDIN`));
  const done = new Promise((resolve, reject) => copy.on('finish', resolve).on('error', reject));
  for await (const records of pages()) {
    let text = '';
    for (const record of records) {
      const row = shaped(record);
      let line = '';
      for (let i = 0; i < columns.length; i++) line += (i === 0 ? '' : '\t') + copyCell(row[columns[i]], types[i]);
      text += `${line}\n`;
      rows += 1;
    }
    if (!copy.write(text)) await new Promise((resolve) => copy.once('drain', resolve));
  }
  copy.end();
  await done;
  if (options.since !== undefined) {
    const updates = columns.filter((name) => name !== 'id').map((name) => `"${name}" = EXCLUDED."${name}"`).join(', ');
    await db.query(
      `INSERT INTO ${table} (${list}) SELECT DISTINCT ON (id) ${list} FROM reference_staging ORDER BY id, update_time DESC ` +
        `ON CONFLICT (id) DO UPDATE SET ${updates}`,
    );
  }
  await db.query('COMMIT');
  const cpuAfter = processCpuSeconds(backend);
  dbCpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  await db.end();
}

// ── DuckDB: the Appender, a DataChunk per page ────────────────────────────────────────────────
async function loadDuckDB() {
  const duckdb = await import('@duckdb/node-api');
  const { stagingVectorType, toStagingValue } = await import('../dist/adapters/duckdb/values.js');
  const { DEFAULT_MEMORY_LIMIT, DEFAULT_CHECKPOINT_THRESHOLD } = await import('../dist/src/config/duckdb-settings.js');
  // The loader's settings, so both pay for the same buffer pool and checkpoints.
  const instance = await duckdb.DuckDBInstance.create(options.duckdbPath, {
    memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    checkpoint_threshold: DEFAULT_CHECKPOINT_THRESHOLD,
  });
  const connection = await instance.connect();
  const schema = `"${options.schema}"`;
  await connection.run(`ATTACH '${options.loaderDuckdbPath.replaceAll("'", "''")}' AS loader_file (READ_ONLY)`);
  const described = (await connection.runAndReadAll(
    `SELECT column_name FROM information_schema.columns WHERE table_catalog = 'loader_file' AND table_schema = '${options.loaderSchema}' AND table_name = 'deals' ORDER BY ordinal_position`,
  )).getRowObjectsJS();
  const columns = described.map((row) => row.column_name);
  if (options.since === undefined) {
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await connection.run(`CREATE OR REPLACE TABLE ${schema}.deals AS FROM loader_file."${options.loaderSchema}".deals LIMIT 0`);
    await connection.run(`ALTER TABLE ${schema}.deals ADD PRIMARY KEY (id)`);
  }
  await connection.run('DETACH loader_file');
  const types = columns.map((name) => typeOf.get(name) ?? 'string');
  const vectorTypes = types.map(stagingVectorType);
  await connection.run('BEGIN');
  let into = 'deals';
  if (options.since !== undefined) {
    into = 'reference_staging';
    await connection.run(`CREATE TABLE ${schema}.reference_staging AS FROM ${schema}.deals LIMIT 0`);
  }
  const appender = await connection.createAppender(into, options.schema);
  for await (const records of pages()) {
    const shapedRows = records.map(shaped);
    const chunk = duckdb.DuckDBDataChunk.create(vectorTypes, shapedRows.length);
    for (let i = 0; i < columns.length; i++) chunk.setColumnValues(i, shapedRows.map((row) => toStagingValue(types[i], row[columns[i]])));
    appender.appendDataChunk(chunk);
    rows += shapedRows.length;
  }
  appender.flushSync();
  appender.closeSync();
  if (options.since !== undefined) {
    await connection.run(
      `INSERT OR REPLACE INTO ${schema}.deals SELECT * FROM ${schema}.reference_staging QUALIFY row_number() OVER (PARTITION BY id ORDER BY update_time DESC) = 1`,
    );
    await connection.run(`DROP TABLE ${schema}.reference_staging`);
  }
  await connection.run('COMMIT');
  connection.closeSync();
  instance.closeSync();
}

await (options.target === 'pg' ? loadPostgres() : loadDuckDB());
agent.destroy();

const usage = process.resourceUsage();
const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
console.log(JSON.stringify({
  rows,
  seconds: Number(process.hrtime.bigint() - started) / 1e9,
  cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
  mainThreadCpuSeconds: mainThreadCpuSeconds(),
  peakRssMb: kb === undefined ? usage.maxRSS / 1024 : Number(kb) / 1024,
  dbCpuSeconds,
}));
