/**
 * One run's training script as a child process: started without a shell, its stdout cut into
 * lines (bounded) and each protocol line handed on as a step; everything else it prints — the
 * other stdout lines and all of stderr — kept for output.log (bounded: head and tail), the last
 * lines of stderr kept to explain a failure. Stopped with SIGTERM, then SIGKILL after a grace
 * period, to its whole process group (a `sh -c`, a torch DataLoader's workers go with it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { LineSplitter } from './line-splitter.js';
import { BoundedLog } from './output-log.js';
import { parseProtocolLine, type ProtocolStep } from './protocol.js';

/** Longest line kept whole; a protocol line is ~100 bytes, a longer one is log output (its start kept). */
export const MAX_LINE_BYTES = 1 << 20;
/** output.log keeps the first and the last this many bytes of what the script printed besides its steps. */
export const OUTPUT_LOG_HEAD_BYTES = 1 << 20;
export const OUTPUT_LOG_TAIL_BYTES = 1 << 20;
/** stderr lines kept for a failed run's summary. */
const STDERR_TAIL_LINES = 20;
/** Between SIGTERM and SIGKILL: long enough for a script to flush and exit, short enough not to wait on a stuck one. */
export const STOP_GRACE_MS = 3000;

/** Of a line past MAX_LINE_BYTES, output.log keeps this much of its start: enough to see what it was. */
const OVERLONG_KEPT_BYTES = 4096;

/**
 * A line past the limit as output.log keeps it: its first 4 KiB and the count of the bytes left
 * out — small, so it fits the log's head or tail like any line, and the count stays exact.
 */
function shortenOverlong(start: string, dropped: number): string {
  const bytes = Buffer.from(start);
  if (bytes.length <= OVERLONG_KEPT_BYTES) return `${start}[… ${dropped} more bytes of this line left out …]`;
  // Cut at a character boundary: back off over UTF-8 continuation bytes (10xxxxxx).
  let end = OVERLONG_KEPT_BYTES;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')}[… ${dropped + bytes.length - end} more bytes of this line left out …]`;
}

export interface ChildSpec {
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Added to mo-train's own environment. */
  readonly env: Readonly<Record<string, string>>;
}

export interface ChildExit {
  /** The exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The process could not be started (ENOENT, EACCES): the reason. */
  readonly spawnError: string | null;
}

export class CommandChild {
  readonly output = new BoundedLog(OUTPUT_LOG_HEAD_BYTES, OUTPUT_LOG_TAIL_BYTES);
  readonly exited: Promise<ChildExit>;
  /** Whether stop() was called: an exit after it is the stop's doing, not the script's failure. */
  stopped = false;
  private readonly stderrTail: string[] = [];
  private readonly child: ChildProcess;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(spec: ChildSpec, onStep: (step: ProtocolStep) => void) {
    const output = this.output;
    const stdout = new LineSplitter(MAX_LINE_BYTES, {
      line(text) {
        const step = parseProtocolLine(text);
        if (step !== null) onStep(step);
        else output.append(text);
      },
      overlong(start, dropped) {
        output.append(shortenOverlong(start, dropped));
      },
    });
    const stderrTail = this.stderrTail;
    const keep = (text: string) => {
      output.append(text);
      stderrTail.push(text);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
    };
    const stderr = new LineSplitter(MAX_LINE_BYTES, {
      line: keep,
      overlong: (start, dropped) => keep(shortenOverlong(start, dropped)),
    });
    this.child = spawn(spec.argv[0]!, spec.argv.slice(1), {
      cwd: spec.cwd,
      // mo-train's environment as it is: PYTHONUNBUFFERED=1 by default was measured to make every
      // Python print two write(2)s, each a wake-up here (+0.7–1.0 s on a 4.6 s seed_torch.py run,
      // bench measure 9a); a script that wants its steps seen at once prints with flush=True.
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: stop() reaches its children too, and a Ctrl-C in the terminal
      // reaches mo-train only, which stops the script and marks the run interrupted.
      detached: true,
      windowsHide: true,
    });
    // mo-train leaving by process.exit (a second Ctrl-C, a worker whose coordinator died) takes the
    // script with it: it would otherwise train on, orphaned, until its next print hits a closed pipe.
    const killOnExit = () => this.signal('SIGKILL');
    process.on('exit', killOnExit);
    this.child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    this.exited = new Promise((resolve) => {
      let spawnError: string | null = null;
      this.child.on('error', (err: NodeJS.ErrnoException) => {
        // Only a failed start reports here without a 'close' to follow… and with one: wait for close.
        spawnError ??= err.code === 'ENOENT' ? `${spec.argv[0]}: command not found` : `${spec.argv[0]}: ${err.message}`;
        if (this.child.pid === undefined) {
          process.off('exit', killOnExit);
          resolve({ code: null, signal: null, spawnError });
        }
      });
      // 'close': the process has exited *and* its output is read to the end.
      this.child.on('close', (code, signal) => {
        process.off('exit', killOnExit);
        stdout.end();
        stderr.end();
        clearTimeout(this.killTimer);
        resolve({ code, signal, spawnError });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last lines the script wrote to stderr (a traceback's end). */
  lastStderrLines(): string[] {
    return [...this.stderrTail];
  }

  /** SIGTERM to the script's process group now, SIGKILL after `graceMs` if it is still there. */
  stop(graceMs = STOP_GRACE_MS): void {
    if (this.stopped) return;
    this.stopped = true;
    this.signal('SIGTERM');
    this.killTimer = setTimeout(() => this.signal('SIGKILL'), graceMs);
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        this.child.kill(sig);
      } catch {
        // already gone
      }
    }
  }
}
