// Runs the CLI through its real launcher (bin/pipedrive-loader.js, with the heap settings users
// get) in this process, and at exit prints one JSON line with its time, CPU and peak memory, so
// that the benchmark measures the loader alone (the sandbox runs in the parent process).
//
// Peak memory is VmHWM from /proc/self/status where there is one: getrusage's maxRSS also counts
// the memory of the process that spawned us, because Linux keeps the high-water mark across
// fork + exec, and the bench process holds the whole sandbox.
import { readFileSync, writeSync } from 'node:fs';
import { mainThreadCpuSeconds } from './main-thread-cpu.mjs';

const started = process.hrtime.bigint();

function peakRssMb() {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) / 1024;
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS / 1024;
}

process.on('exit', (exitCode) => {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const usage = process.resourceUsage();
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  // The last line of stdout, written synchronously: the parent parses it.
  writeSync(1, `\n${JSON.stringify({ exitCode, seconds, cpuSeconds, mainThreadCpuSeconds: mainThreadCpuSeconds(), peakRssMb: peakRssMb() })}\n`);
});

await import('../bin/pipedrive-loader.js');
