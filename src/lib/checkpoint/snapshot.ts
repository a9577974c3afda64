import type { Tensor } from '@tensorflow/tfjs';
import { CheckpointInputError } from './errors.ts';
import type { TensorData } from './types.ts';

/**
 * Step 1 of a save. Reads tensors that the trainer already cloned at a step boundary, with
 * async data() so the device is never stalled (no dataSync), and disposes them, also when a
 * read fails. The clones make the values consistent even while training goes on.
 */
export async function snapshotTensors(named: { name: string; tensor: Tensor }[]): Promise<TensorData[]> {
  const reads = await Promise.allSettled(
    named.map(async ({ name, tensor }): Promise<TensorData> => {
      if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') {
        throw new CheckpointInputError(`Tensor "${name}" has dtype "${tensor.dtype}", but only float32 and int32 can be saved.`);
      }
      const values = (await tensor.data()) as Float32Array | Int32Array;
      return { name, dtype: tensor.dtype, shape: [...tensor.shape], values };
    }),
  );
  // Only after every read has settled: disposing a tensor mid-read is not safe on WebGPU.
  for (const { tensor } of named) tensor.dispose();
  const failed = reads.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return reads.map((r) => (r as PromiseFulfilledResult<TensorData>).value);
}
