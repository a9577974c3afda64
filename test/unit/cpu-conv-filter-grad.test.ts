import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { expectSameAsStockKernel } from '../../src/lib/models/cpu-conv-filter-grad.ts';
import '../../src/lib/models/forward.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the CPU conv filter-gradient kernel the app registers', () => {
  it('gives the stock tfjs kernel’s output bit for bit, for both conv layers of the digits CNN', async () => {
    await expect(expectSameAsStockKernel()).resolves.toBeUndefined();
  });

  it('is the one tfjs runs on the CPU once the models are loaded', () => {
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'cpu')?.kernelFunc.name).toBe('conv2dBackpropFilterFast');
  });
});
