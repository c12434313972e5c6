/**
 * Loads TensorFlow.js on the chosen backend, lazily: a sweep that never needs tfjs (the fused
 * engine) never pays its ~1 s import.
 *
 * tfjs is silenced with its production flag rather than by patching `console`: tfjs-core routes
 * its warnings (e.g. the cpu backend's "Hi, looks like you are running TensorFlow.js in Node.js…"
 * banner, printed on the first tensor) through `backend_util.warn`, which is a no-op when `PROD`
 * is set. Production mode also skips tfjs's debug-only checks, which mo-train never uses.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { UserError } from '../../errors.js';
import type { Tf } from '../../experiment/module-types.js';
import type { BackendName } from '../types.js';

export type { Tf };

/** The wasm backend module is loaded (and its binary paths set) at most once per process. */
let wasmLoaded: Promise<void> | null = null;

export async function loadTf(backend: BackendName = 'cpu'): Promise<Tf> {
  // Before tfjs-core initializes: keeps TensorFlow's C++ logging off stderr if tfjs-node is used.
  process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '2';
  const tf: Tf = await import('@tensorflow/tfjs');
  tf.enableProdMode();
  switch (backend) {
    case 'cpu':
      break;
    case 'wasm':
      wasmLoaded ??= loadWasmBackend();
      await wasmLoaded;
      break;
    case 'tensorflow':
      await loadNodeBackend();
      break;
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(backend);
  } catch (err) {
    throw new UserError(`--backend ${backend} failed to initialize (${firstLine(err)}); use --backend cpu`);
  }
  if (!ok) throw new UserError(`--backend ${backend} failed to initialize; use --backend cpu`);
  await tf.ready();
  return tf;
}

/**
 * tfjs-backend-wasm finds its .wasm binaries next to its own Node bundle (emscripten's
 * `scriptDirectory` is the bundle's `__dirname`), which works from any cwd; the prefix is still set
 * explicitly from the resolved package so that a bundled or relocated mo-train keeps working.
 */
async function loadWasmBackend(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const distDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  wasm.setWasmPaths(`${distDir}/`);
}

async function loadNodeBackend(): Promise<void> {
  // A variable specifier: tfjs-node is an optional dependency that may have no type declarations.
  const specifier = '@tensorflow/tfjs-node';
  try {
    await import(specifier);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new UserError(
        '--backend tensorflow needs @tensorflow/tfjs-node, which is not installed (npm install @tensorflow/tfjs-node); use --backend cpu or wasm',
      );
    }
    throw new UserError(`--backend tensorflow: @tensorflow/tfjs-node failed to load (${firstLine(err)}); use --backend cpu or wasm`);
  }
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}
