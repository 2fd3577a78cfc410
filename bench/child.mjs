// Runs the compiled CLI in this process and reports its peak memory, so that the benchmark
// measures the loader alone (the sandbox runs in the parent process).
import { main } from '../dist/src/cli/main.js';

const started = process.hrtime.bigint();
const exitCode = await main(process.argv.slice(2), { stdout: { write: () => true }, stderr: process.stderr });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const usage = process.resourceUsage();
const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
process.stdout.write(`${JSON.stringify({ exitCode, seconds, cpuSeconds, peakRssMb: usage.maxRSS / 1024 })}\n`);
process.exitCode = exitCode;
