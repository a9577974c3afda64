import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compareWithStockConv } from '../support/conv-layer-check.ts';
import { installFastCpuKernels } from '../../src/lib/models/cpu-kernels.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  installFastCpuKernels();
});

describe('convRelu on the CPU (its own gradient, bias by matMul)', () => {
  it('matches tfjs’s fused conv2d: value, and kernel, bias and input gradients, for odd and even kernels', async () => {
    const differences = await compareWithStockConv([
      { input: [4, 28, 28, 1], kernel: [3, 3, 1, 8], isInput: true },
      { input: [4, 14, 14, 8], kernel: [3, 3, 8, 16], isInput: false },
      { input: [3, 9, 7, 1], kernel: [5, 5, 1, 4], isInput: true },
      // Even kernels pad one more at the bottom and the right, as tfjs's 'same' does.
      { input: [2, 6, 5, 2], kernel: [2, 4, 2, 3], isInput: false },
    ]);
    for (const d of differences) {
      const name = JSON.stringify(d.case);
      expect(d.value, name).toBe(0);
      expect(d.kernel, name).toBe(0);
      expect(d.bias, name).toBeLessThan(1e-5);
      if (!d.case.isInput) expect(d.input, name).toBe(0);
    }
  });

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await compareWithStockConv([
      { input: [2, 5, 5, 1], kernel: [3, 3, 1, 2], isInput: true },
      { input: [2, 5, 5, 2], kernel: [3, 3, 2, 2], isInput: false },
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
