#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build`, which `npm install` runs.
//
// Memory: a load allocates fast (every page is megabytes of JSON) but keeps little alive (the
// batches in flight), and V8 then lets its heap grow up to four times the live data between full
// collections. Capping that growth at 1.6 times kept a 100,000-deal load into PostgreSQL at
// 220-265 MB peak RSS instead of 340-390 MB, for about 10% more CPU (bench/README.md).
// --max-old-space-size cannot be changed once Node runs, but the growth factor is read at every
// collection, so it can be set here. Anyone who tunes the heap through NODE_OPTIONS or node's
// own flags keeps exactly what they chose.
import { setFlagsFromString } from 'node:v8';

const HEAP_FLAGS = /--(max-old-space-size|max-semi-space-size|heap-growing-percent|optimize-for-size)\b/;
if (!HEAP_FLAGS.test(process.env.NODE_OPTIONS ?? '') && !process.execArgv.some((flag) => HEAP_FLAGS.test(flag))) {
  setFlagsFromString('--heap-growing-percent=60');
}

await import('../dist/src/cli/run.js');
