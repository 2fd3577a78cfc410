// The CPU time of this process's main thread (the JavaScript thread; its task id is the pid), read
// from /proc, so that a run's own CPU can be split into the main thread and every other thread:
// V8's garbage-collection helpers, libuv's pool, DuckDB's workers. undefined where there is no /proc.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime: 100 on Linux (sysconf(_SC_CLK_TCK)). */
const TICKS_PER_SECOND = 100;

export function mainThreadCpuSeconds() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
