import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compareWithStockConv } from '../support/input-conv-check.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('inputConv2d (im2col + matMul for a first conv layer)', () => {
  it('matches tfjs’s fused conv2d, value and kernel and bias gradients, for odd and even kernels', async () => {
    const differences = await compareWithStockConv([
      { input: [4, 28, 28, 1], kernel: [3, 3, 1, 8] },
      { input: [3, 9, 7, 1], kernel: [5, 5, 1, 4] },
      // Even kernels pad one more at the bottom and the right, as tfjs's 'same' does.
      { input: [2, 6, 5, 1], kernel: [2, 4, 1, 3] },
      { input: [2, 8, 8, 3], kernel: [3, 3, 3, 5] },
    ]);
    for (const d of differences) {
      expect(d.value, JSON.stringify(d.case)).toBeLessThan(1e-6);
      expect(d.kernel, JSON.stringify(d.case)).toBeLessThan(1e-5);
      expect(d.bias, JSON.stringify(d.case)).toBeLessThan(1e-5);
    }
  });

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await compareWithStockConv([{ input: [2, 5, 5, 1], kernel: [3, 3, 1, 2] }]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
