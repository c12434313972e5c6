/**
 * steps.csv: one row per logged step, streamed through csv-stringify to the file so memory stays
 * flat however long the run. Numbers are written by csv-stringify's number cast (`'' + x`), which
 * is the shortest round-trip form and spells non-finite values NaN, Infinity and -Infinity —
 * what pandas and parseFloat read back exactly.
 */
import { createWriteStream } from 'node:fs';
import { stringify } from 'csv-stringify';
import { STEP_COLUMNS, type StepRow, type StepSink } from '../train/train-loop.js';

export interface StepsWriter extends StepSink {
  /** Flushes everything to disk and closes the file. */
  close(): Promise<void>;
}

export function openStepsWriter(path: string): StepsWriter {
  const file = createWriteStream(path, { flags: 'wx' });
  const csv = stringify({ header: true, columns: [...STEP_COLUMNS] });
  csv.pipe(file);
  let failure: Error | null = null;
  const fail = (err: Error) => {
    failure ??= err;
  };
  file.on('error', fail);
  csv.on('error', fail);
  return {
    write(row: StepRow): boolean {
      if (failure) throw failure;
      return csv.write(row);
    },
    drain(): Promise<void> {
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          csv.off('drain', onDrain);
          file.off('error', done);
          if (err) reject(err);
          else resolve();
        };
        const onDrain = () => done();
        csv.once('drain', onDrain);
        file.once('error', done);
      });
    },
    async close(): Promise<void> {
      if (failure) throw failure;
      const finished = new Promise<void>((resolve, reject) => {
        file.once('close', () => (failure ? reject(failure) : resolve()));
        file.once('error', reject);
      });
      csv.end();
      await finished;
    },
  };
}
