#!/usr/bin/env node
/**
 * The child of the bench's protocol-throughput measure (measure 8, bench/lib/measure-command.ts):
 * prints `steps` protocol lines, `{"step": 123, "loss1": 0.41378851211629814, "loss2": 1.7336475537158549}`
 * (json.dumps' spacing, a loss as `loss.item()` prints it), as fast as it can.
 *
 *   node bench/protocol_printer.mjs 1000000 > /dev/null
 *
 * Node, not Python: the measure is mo-train's cost per line, (t under mo-train − t alone) / N, and
 * on 2 cores the child and mo-train run side by side, so a child slower than mo-train's reading
 * would hide mo-train's cost behind its own. Python's json.dumps alone takes ~1–2 µs a line, the
 * size of the 2 µs budget being measured. Here a line is three byte copies and one small
 * integer-to-string: the losses come from 4,096 pre-encoded pairs of distinct doubles, so no
 * double is formatted in the loop. Lines are gathered into a 64 KiB buffer written with
 * fs.writeSync on fd 1 (no stream machinery). Measured on the 2-core VM: ~0.35 s for 1,000,000
 * lines to /dev/null, node startup included; building each line as a string (template literal,
 * Buffer.from per chunk) took ~1 s.
 */
import { writeSync } from 'node:fs';

const steps = Number(process.argv[2]);
if (!Number.isSafeInteger(steps) || steps < 0) {
  process.stderr.write('usage: node bench/protocol_printer.mjs <steps>\n');
  process.exit(2);
}

const POOL = 4096;
// A fixed linear congruential generator: the same lines every run.
let state = 12345;
const next = () => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state / 2 ** 32;
};
const tails = Array.from({ length: POOL }, () => Buffer.from(`, "loss1": ${next() * 0.5}, "loss2": ${1 + next() * 3}}\n`, 'latin1'));
const head = Buffer.from('{"step": ', 'latin1');

const CHUNK = 1 << 16;
const buf = Buffer.allocUnsafe(CHUNK + 256);
let used = 0;
const SLEEP = new Int32Array(new SharedArrayBuffer(4));
for (let step = 0; step < steps; step++) {
  used += head.copy(buf, used);
  used += buf.latin1Write(String(step), used);
  used += tails[step & (POOL - 1)].copy(buf, used);
  if (used >= CHUNK) flush();
}
flush();

function flush() {
  for (let off = 0; off < used;) {
    try {
      off += writeSync(1, buf, off, used - off);
    } catch (err) {
      // A non-blocking pipe whose reader is behind: wait a millisecond and go on.
      if (err.code !== 'EAGAIN') throw err;
      Atomics.wait(SLEEP, 0, 0, 1);
    }
  }
  used = 0;
}
