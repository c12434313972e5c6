/**
 * A run's command (the `command` engine, issue 12): the user's command line split into argv the
 * way a shell splits words — quotes and backslashes — but never run by a shell, so no value of a
 * sweep can inject anything. `{key}` placeholders are filled per run. Pure.
 */
import { parse } from 'shell-quote';
import { formatAxisValue } from './expand-grid.js';
import type { RunConfig } from './types.js';

/** `{alpha}`, `{optimizer.lr}`, `{run_dir}`: a setting's dotted key in braces. */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}/g;

export type CommandResult = { readonly ok: true; readonly argv: readonly string[] } | { readonly ok: false; readonly error: string };

/**
 * The argv of a command given as one string (split like shell words) or as a list of arguments
 * (taken as they are). Shell syntax that would need a shell — pipes, redirections, `;`, `&&`,
 * `$VAR`, comments — is refused with what to do instead.
 */
export function splitCommand(command: string | readonly string[]): CommandResult {
  if (typeof command !== 'string') {
    if (command.length === 0 || command[0]!.trim() === '')
      return { ok: false, error: 'the command is empty; give the program to run, e.g. "python3 train.py --alpha {alpha}"' };
    return { ok: true, argv: [...command] };
  }
  const variables: string[] = [];
  const words = parse(command, (name) => {
    variables.push(name);
    return `$${name}`;
  });
  if (variables.length > 0) {
    return {
      ok: false,
      error: `$${variables[0]}: the command runs without a shell, so variables are not expanded; write the value out, or use a placeholder such as {run_dir} (the run also gets MO_TRAIN_* variables in its environment)`,
    };
  }
  const argv: string[] = [];
  for (const word of words) {
    if (typeof word === 'string') argv.push(word);
    else if ('op' in word && word.op === 'glob') argv.push(word.pattern);
    else if ('comment' in word) return { ok: false, error: `"#${word.comment}": the command runs without a shell, so it cannot have a comment` };
    else {
      return {
        ok: false,
        error: `"${word.op}": the command runs without a shell, so pipes, redirections and command lists are not allowed; put them in a script, or run one explicitly: sh -c '…'`,
      };
    }
  }
  if (argv.length === 0 || argv[0] === '')
    return { ok: false, error: 'the command is empty; give the program to run, e.g. "python3 train.py --alpha {alpha}"' };
  return { ok: true, argv };
}

/** The placeholders an argv uses, each once, in order of appearance. */
export function listPlaceholders(argv: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const arg of argv) for (const m of arg.matchAll(PLACEHOLDER)) keys.add(m[1]!);
  return [...keys];
}

/**
 * The argv of one run: every `{key}` replaced by its value. An argument stays one argument
 * whatever the value holds (spaces, quotes), since nothing splits it again. A key without a value
 * is an error naming the keys that have one.
 */
export function expandCommand(argv: readonly string[], values: Readonly<Record<string, string>>): CommandResult {
  const unknown = listPlaceholders(argv).filter((k) => !Object.hasOwn(values, k));
  if (unknown.length > 0) {
    return {
      ok: false,
      error: `unknown placeholder {${unknown[0]}}; allowed: ${Object.keys(values)
        .map((k) => `{${k}}`)
        .join(', ')}`,
    };
  }
  return { ok: true, argv: argv.map((arg) => arg.replace(PLACEHOLDER, (_m, key: string) => values[key]!)) };
}

/**
 * Two placeholders with nothing between them (`{alpha}{seed}`) make an argument no script can
 * split back (`0.11`: α 0.1 and seed 1, or α 0.11?): refused, naming them.
 */
export function findAmbiguousPlaceholders(argv: readonly string[]): string | null {
  for (const arg of argv) {
    let previousEnd = -1;
    let previous = '';
    for (const m of arg.matchAll(PLACEHOLDER)) {
      if (m.index === previousEnd) return `${previous}${m[0]}`;
      previousEnd = m.index + m[0].length;
      previous = m[0];
    }
  }
  return null;
}

/**
 * `{run-dir}`, `{log-every}`: spelled like a placeholder but with a dash, which no setting has —
 * passed on as it is, the script would get the braces. Returned for an unknown-placeholder error.
 */
export function listMisspelledPlaceholders(argv: readonly string[]): string[] {
  const found = new Set<string>();
  for (const arg of argv) for (const m of arg.matchAll(/\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g)) if (m[1]!.includes('-')) found.add(m[1]!);
  return [...found];
}

/** The settings a command's placeholders can name (besides a run's `{run_dir}` and `{run_id}`). */
type PlaceholderSource = Pick<RunConfig, 'alpha' | 'seed' | 'steps' | 'log_every' | 'optimizer' | 'monitor' | 'verdict'> & Partial<Pick<RunConfig, 'coords'>>;

/**
 * The value of every placeholder of one run, in shortest round-trip form (`String(0.1)` is
 * `0.1`, `String(1e-7)` is `1e-7`, what Python's float() and every other parser reads back
 * exactly): α, seed, steps, log_every, each optimizer/monitor/verdict field by its dotted key,
 * the `--set` aliases `lr` and `optimizer`, the command's own settings (its other coordinates), and
 * the run's directory and id. (`combine` is left
 * out: a command run combines nothing, its script computes one loss.)
 */
export function computePlaceholderValues(config: PlaceholderSource, run: { readonly dir: string; readonly id: string }): Record<string, string> {
  const values: Record<string, string> = {
    alpha: String(config.alpha),
    seed: String(config.seed),
    steps: String(config.steps),
    log_every: String(config.log_every),
  };
  for (const group of ['optimizer', 'monitor', 'verdict'] as const) {
    for (const [field, v] of Object.entries(config[group])) {
      if (v === null || v === undefined) continue;
      values[`${group}.${field}`] = Array.isArray(v) ? v.map(String).join(',') : String(v);
    }
  }
  values['lr'] = values['optimizer.lr']!;
  values['optimizer'] = values['optimizer.name']!;
  // The run's coordinates: a command's own settings (`--set width=32,64`) — the others are here already.
  for (const [key, v] of Object.entries(config.coords ?? {})) values[key] ??= formatAxisValue(v);
  values['run_dir'] = run.dir;
  values['run_id'] = run.id;
  return values;
}

/** The environment a run's command gets on top of mo-train's own: the values scripts read most. */
export function computeCommandEnv(
  config: PlaceholderSource,
  run: { readonly dir: string; readonly id: string; readonly configPath: string },
): Record<string, string> {
  return {
    MO_TRAIN_ALPHA: String(config.alpha),
    MO_TRAIN_SEED: String(config.seed),
    MO_TRAIN_STEPS: String(config.steps),
    MO_TRAIN_RUN_DIR: run.dir,
    MO_TRAIN_RUN_ID: run.id,
    MO_TRAIN_CONFIG: run.configPath,
  };
}
