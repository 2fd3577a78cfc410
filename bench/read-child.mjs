// The reading floor of the PostgreSQL scenario: fetches, decodes and parses every page of the
// deals stream exactly as the loader's first run asks for them (the built client, the same
// parameters), and does nothing else with them. No loader can be faster than this on the same
// machine, whatever it does after reading, so its rate bounds the end-to-end ratio from above.
// Prints one JSON line: records, seconds, CPU seconds.
import { PipedriveClient, paginate } from '../dist/src/pipedrive/index.js';
import { STREAMS } from '../dist/src/pipedrive/catalog.js';
import { requestParams } from '../dist/src/load/stream-reader.js';

const [baseUrl] = process.argv.slice(2);
const stream = STREAMS.find((candidate) => candidate.name === 'deals');
if (!stream || !baseUrl) throw new Error('usage: read-child.mjs <sandbox url>');
const client = new PipedriveClient({ baseUrl, apiToken: process.env.PIPEDRIVE_API_TOKEN ?? '', requestsPer2s: 1000 });
const started = process.hrtime.bigint();
const cpu = process.cpuUsage();
let records = 0;
for await (const page of paginate(client, stream, requestParams(stream, undefined))) records += page.records.length;
const used = process.cpuUsage(cpu);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(JSON.stringify({ records, seconds, cpuSeconds: (used.user + used.system) / 1e6 }));
