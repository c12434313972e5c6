/**
 * Ctrl-C (SIGINT) and SIGTERM for `run` and `sweep`: the first asks the command to stop cleanly
 * (runs stop after their current step, flushed), a second exits at once with 128 + the signal.
 */

/** 130 after SIGINT, 143 after SIGTERM (128 + the signal's number, as shells report it). */
export function exitCodeOf(signal: NodeJS.Signals | null): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

export interface Interrupts {
  /** The first SIGINT or SIGTERM received; null while none has come. */
  readonly first: NodeJS.Signals | null;
  /** Stops listening: the signals get their default (exit) back. */
  stop(): void;
}

/** `onFirst` on the first signal; on a second, `onSecond`, then exit. */
export function listenForInterrupts(handlers: { onFirst?(signal: NodeJS.Signals): void; onSecond?(signal: NodeJS.Signals): void } = {}): Interrupts {
  let first: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first !== null) {
      handlers.onSecond?.(signal);
      process.exit(exitCodeOf(signal));
    }
    first = signal;
    handlers.onFirst?.(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    get first() {
      return first;
    },
    stop() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
