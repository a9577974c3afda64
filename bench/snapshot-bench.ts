// The two ends bench/checkpoint-bench.ts leaves out: its store.save() starts from values
// already in memory, and its store.load() ends with typed arrays, where tf.loadLayersModel
// ends with the weights in tensors. Here the app's own snapshot (clone at the step boundary,
// then snapshotTensors: async data() and dispose) and the way back into tensors are timed
// for one tensor of the same size.
import * as tf from '@tensorflow/tfjs';
import { snapshotTensors } from '../src/lib/checkpoint/snapshot.ts';
import { median } from './stats.ts';

const MiB = 1024 * 1024;

export interface SnapshotBenchOptions {
  sizeMiB: number;
  /** The backend the tensor lives on; the app trains on WebGPU, the tfjs comparison uses the CPU. */
  backend: 'webgpu' | 'cpu';
  repeats?: number;
}

/** Median milliseconds of clone + snapshotTensors for `sizeMiB` of float32 weights, after one warm-up. */
export async function snapshotMs(options: SnapshotBenchOptions): Promise<number> {
  const repeats = options.repeats ?? 5;
  if (!(await tf.setBackend(options.backend))) throw new Error(`The ${options.backend} backend could not be initialised, so the snapshot cannot be timed on it.`);
  const count = (options.sizeMiB * MiB) / 4;
  const weights = tf.tidy(() => tf.randomUniform([count], -1, 1, 'float32', options.sizeMiB));
  try {
    const times: number[] = [];
    for (let i = 0; i <= repeats; i++) {
      // A fresh tensor computed on the backend, as a training step leaves its weights: a
      // backend caches what it has read once, and tf.randomUniform is generated on the CPU.
      const fresh = tf.add(weights, i);
      // Reading one value waits for that computation, so only the snapshot is timed.
      const first = fresh.slice(0, 1);
      await first.data();
      first.dispose();
      const start = performance.now();
      await snapshotTensors([{ name: 'param/dense0/kernel', tensor: fresh.clone() }]);
      if (i > 0) times.push(performance.now() - start);
      fresh.dispose();
    }
    return median(times);
  } finally {
    weights.dispose();
  }
}

/**
 * Median milliseconds to put `sizeMiB` of loaded float32 values back into a model's weights,
 * after one warm-up: a tensor from the typed array (as checkpoint-state.ts fromCheckpoint
 * does) and a variable from it (as the Trainer's weights are), then both disposed.
 */
export async function restoreMs(options: SnapshotBenchOptions): Promise<number> {
  const repeats = options.repeats ?? 5;
  if (!(await tf.setBackend(options.backend))) throw new Error(`The ${options.backend} backend could not be initialised, so the restore cannot be timed on it.`);
  const count = (options.sizeMiB * MiB) / 4;
  const times: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    // A fresh array each time, as each load reads its own.
    const values = new Float32Array(count).fill(i);
    const start = performance.now();
    const tensor = tf.tensor(values, [count], 'float32');
    const weight = tf.variable(tensor);
    // Reading one value waits until the backend holds the weight.
    const first = weight.slice(0, 1);
    await first.data();
    if (i > 0) times.push(performance.now() - start);
    tf.dispose([tensor, weight, first]);
  }
  return median(times);
}
