/**
 * Loaded by the bench into `mo-train run --command …` through NODE_OPTIONS=--import (measure 8):
 * at exit, appends one JSON line with the process's own CPU time — process.cpuUsage(), user and
 * system of all its threads (GC helpers and the libuv pool included), its children excluded — to
 * the file $BENCH_CPU_FILE. A command run hands its environment on to the script, so the
 * protocol printer (node too) appends its own line: the two are told apart by argv.
 *
 * With 2 cores mo-train and its child run side by side, so wall time can hide mo-train's cost;
 * its CPU time cannot.
 */
import { appendFileSync } from 'node:fs';

const file = process.env.BENCH_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    const record = { pid: process.pid, argv: process.argv.slice(1), user_us: user, system_us: system, uptime_s: process.uptime() };
    appendFileSync(file, `${JSON.stringify(record)}\n`);
  });
}
