import * as tf from '@tensorflow/tfjs';
import { cpuKernelOverride, type CpuBackend } from './cpu-kernel-override.ts';

/**
 * tfjs-backend-cpu computes the conv filter gradient (Conv2DBackpropFilter) through
 * TensorBuffer.get(...) per multiply, which made one small-CNN step on 64 digits take ~3.6 s
 * on a 2-core machine, almost all of it here. This kernel sums the same products in the same
 * order into float64 and rounds to float32 once, exactly like the stock kernel, so its output
 * is bit-identical (expectSameAsStockKernel checks it; a unit test runs that) and a run on the
 * CPU backend gives the same numbers either way. It handles NHWC, what forward.ts uses (the
 * kernel has no dilation attribute); any other layout goes to the stock kernel.
 */
const conv2dBackpropFilterFast: tf.KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') return override.stock!.kernelFunc(args);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  const cpu = backend as unknown as CpuBackend;
  const xs = cpu.data.get(x.dataId).values;
  const dys = cpu.data.get(dy.dataId).values;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const sums = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  // b, yR, yC outermost: each filter weight receives its terms in the stock kernel's order.
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyRow = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * info.strideHeight - info.padInfo.top + wR;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * info.strideWidth - info.padInfo.left + wC;
            if (xC < 0 || xC >= inWidth) continue;
            const xRow = ((b * inHeight + xR) * inWidth + xC) * inChannels;
            for (let d1 = 0; d1 < inChannels; d1++) {
              const xValue = xs[xRow + d1];
              const sumRow = ((wR * filterWidth + wC) * inChannels + d1) * outChannels;
              for (let d2 = 0; d2 < outChannels; d2++) sums[sumRow + d2] += xValue * dys[dyRow + d2];
            }
          }
        }
      }
    }
  }
  return cpu.makeTensorInfo(info.filterShape, 'float32', Float32Array.from(sums));
};

const override = cpuKernelOverride(tf.Conv2DBackpropFilter, conv2dBackpropFilterFast);

/** Makes the CPU backend use this kernel, once; a no-op if the CPU backend has no such kernel. */
export const useFastConvFilterGradient = () => override.use();

/** Computes the gradient of both CNN conv shapes with both kernels; they must match bit for bit. */
export async function expectSameAsStockKernel(): Promise<void> {
  const cases: [number[], number[]][] = [
    [[5, 28, 28, 1], [3, 3, 1, 8]],
    [[5, 14, 14, 8], [3, 3, 8, 16]],
  ];
  for (const [inputShape, filterShape] of cases) {
    const x = tf.randomNormal(inputShape, 0, 1, 'float32', 1);
    const dy = tf.randomNormal([...inputShape.slice(0, 3), filterShape[3]], 0, 1, 'float32', 2);
    const args = {
      inputs: { x, dy },
      backend: tf.backend(),
      attrs: { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape },
    } as unknown as Parameters<tf.KernelFunc>[0];
    try {
      override.expectSame(args, `The fast filter gradient differs from the stock CPU kernel for input [${inputShape}]; the reference numbers would not be the CPU backend's.`);
    } finally {
      tf.dispose([x, dy]);
    }
  }
}
