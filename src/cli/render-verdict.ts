import chalk from 'chalk';
import type { Verdict } from '../summary/verdict.js';

const colors: Record<Verdict, (s: string) => string> = {
  converged: chalk.green,
  drifting: chalk.yellow,
  oscillating: chalk.magenta,
  diverged: chalk.red,
  failed: chalk.red.bold,
};

/** The verdict word in its color (plain when colors are off). */
export function colorVerdict(verdict: Verdict): string {
  return colors[verdict](verdict);
}
