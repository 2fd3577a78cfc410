#!/usr/bin/env node
// The process entry point: run the CLI and exit with its code. Kept apart from main.ts so that
// tests can call main() in-process without exiting.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
