import * as tf from '@tensorflow/tfjs';
import { trySetBackend } from '../engine/backend.ts';
import type { BackendChoice, KernelChoice, TrainingPlacement } from '../engine/backend-names.ts';
import type { TrainConfig } from '../engine/config.ts';
import type { Dataset } from '../datasets/types.ts';
import { modelSpecFor } from '../models/spec.ts';
import { fusedKernelsMissing } from '../models/mlp-kernels/kernel-path.ts';
import type { KernelPath } from '../models/mlp-kernels/kernel-path.ts';

/**
 * Puts the next run on the backend that trains it fastest here, before its tensors are made.
 * That is the backend chosen at start, except on a software WebGPU adapter (SwiftShader) for a
 * model our fused kernels do not cover: TensorFlow.js ops there ran 5-50x slower than on the
 * CPU (digits CNN 1.2 against 6.1 steps/s, spiral 9 against 375), so such a run trains on
 * the CPU and says why. Every model the settings allow now has fused kernels for its training
 * and its evaluation, so this is for a model they do not cover. (The CNN moved to the CPU until
 * its evaluation was fused too: with tfjs's WebGPU ops the 2,000 test digits took 17-24 s
 * there against 1.2-1.7 s on the CPU; fused they take 0.5-1 s.) Resolves with the reason, or null.
 */
export async function placeRun(config: TrainConfig, dataset: Dataset | null, choice: BackendChoice, kernels: KernelChoice): Promise<string | null> {
  let target = choice.name;
  let reason: string | null = null;
  // A text run (no Dataset) stays on the backend chosen: a transformer is what the GPU is for.
  const spec = dataset ? modelSpecFor(config, dataset) : null;
  const missing = spec ? fusedKernelsMissing(spec) : null;
  if (choice.name === 'webgpu' && choice.software && kernels === 'auto' && missing) {
    target = 'cpu';
    reason = `WebGPU here is a software adapter${choice.adapter ? ` (${choice.adapter})` : ''} and ${missing}, so this run trains on the CPU, which is faster here`;
  }
  if (tf.getBackend() !== target && !(await trySetBackend(target))) {
    throw new Error(`The ${target} backend could not be switched on for this run; reload the page to start again.`);
  }
  return reason;
}

/** What the page shows about how a run trains. */
export function describePlacement(path: KernelPath, movedBecause: string | null): TrainingPlacement {
  const backend = tf.getBackend() as TrainingPlacement['backend'];
  if (movedBecause) return { backend, path: 'tfjs', reason: movedBecause };
  return path.kind === 'fused' ? { backend, path: 'fused' } : { backend, path: 'tfjs', reason: path.reason };
}
