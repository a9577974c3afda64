import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { expectSameAsStockKernel } from '../../src/lib/models/cpu-conv-filter-grad.ts';
import { expectSameAsStockMaxPoolGrad } from '../../src/lib/models/cpu-max-pool-grad.ts';
import { installFastCpuKernels } from '../../src/lib/models/cpu-kernels.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  installFastCpuKernels();
});

describe('the CPU kernels the app registers', () => {
  it('conv filter gradient: the stock tfjs kernel’s output bit for bit, for both conv layers of the digits CNN', async () => {
    await expect(expectSameAsStockKernel()).resolves.toBeUndefined();
  });

  it('max-pool gradient: the stock kernel’s output bit for bit, with ties, overlapping and padded windows', async () => {
    await expect(expectSameAsStockMaxPoolGrad()).resolves.toBeUndefined();
  });

  it('are the ones tfjs runs on the CPU once installFastCpuKernels() has run', () => {
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'cpu')?.kernelFunc.name).toBe('conv2dBackpropFilterFast');
    expect(tf.getKernel(tf.MaxPoolGrad, 'cpu')?.kernelFunc.name).toBe('maxPoolGradFast');
  });
});
