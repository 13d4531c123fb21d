/**
 * tfjs backend selection: tfjs-node (native, when installed) → wasm → cpu, overridable by config.
 *
 * The engine imports tfjs-core and its backends, not the @tensorflow/tfjs umbrella (which would also bundle layers,
 * converter and data, none of which we use). tfjs-node is an optionalDependency: it cannot install offline, so it is
 * loaded with a run-time require and skipped when absent.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import path from 'node:path';
import { findDistFile } from '../paths';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

let chosen: string | null = null;

/** The .wasm binaries are copied to dist/wasm by the build. */
function wasmDir(): string {
  const dir = findDistFile('wasm');
  if (!dir || !fs.existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm'))) throw new Error('dist/wasm/*.wasm not found (run `npm run build`)');
  return dir + path.sep;
}

function tryTfjsNode(): boolean {
  try {
    // external in the bundle (esbuild.mjs): resolved at run time, absent unless the user installed it
    require('@tensorflow/tfjs-node');
    return tf.findBackend('tensorflow') != null;
  } catch {
    return false;
  }
}

/** Initialises the requested backend (once per process) and returns the name in use. */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<string> {
  if (chosen && (choice === 'auto' || choice === chosen)) return chosen;
  // (IS_TEST must stay off: it also turns on tfjs's per-kernel memory-leak accounting, which costs time every op)
  const order: string[] =
    choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  const errors: string[] = [];
  for (const name of order) {
    try {
      if (name === 'tensorflow' && !tryTfjsNode()) {
        errors.push('tensorflow: @tensorflow/tfjs-node is not installed');
        continue;
      }
      if (name === 'wasm') setWasmPaths(wasmDir());
      const ok = await tf.setBackend(name);
      if (!ok) {
        errors.push(`${name}: failed to initialise`);
        continue;
      }
      await tf.ready();
      chosen = name;
      return name;
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend could be initialised (${errors.join('; ')})`);
}

export function backendName(): string | null {
  return chosen;
}

export const tfjsVersion: string = tf.version_core;

export { tf };
