import * as tf from '@tensorflow/tfjs';
import { cpuKernelOverride, type CpuBackend } from './cpu-kernel-override.ts';

/**
 * tfjs-backend-cpu's MaxPoolGrad reads every value through TensorBuffer.get(b, r, c, d): for
 * the digits CNN's first pool (64 × 28 × 28 × 8) it took ~40 ms, the largest kernel of a
 * ~235 ms CPU step. This is the same computation with flat indices: the same argmax rule
 * (first strictly greater value, row by row), the same sums in the same order, so its output
 * is bit-identical (expectSameAsStockMaxPoolGrad checks it; a unit test runs that).
 */
const maxPoolGradFast: tf.KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { dy, input: x } = inputs as unknown as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const cpu = backend as unknown as CpuBackend;
  const xs = cpu.data.get(x.dataId).values;
  const dys = cpu.data.get(dy.dataId).values;
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;

  // Where each window's maximum is, as wR * fw + wC (tfjs's maxPoolPositions; dilation 1).
  const positions = new Int32Array(batchSize * outHeight * outWidth * channels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const rCorner = yR * strideHeight - info.padInfo.top;
      const rMin = Math.max(0, rCorner);
      const rMax = Math.min(inHeight, fh + rCorner);
      for (let yC = 0; yC < outWidth; yC++) {
        const cCorner = yC * strideWidth - info.padInfo.left;
        const cMin = Math.max(0, cCorner);
        const cMax = Math.min(inWidth, fw + cCorner);
        const out = ((b * outHeight + yR) * outWidth + yC) * channels;
        for (let d = 0; d < channels; d++) {
          let maxValue = Number.NEGATIVE_INFINITY;
          let maxPosition = -1;
          for (let xR = rMin; xR < rMax; xR++) {
            for (let xC = cMin; xC < cMax; xC++) {
              const pixel = xs[((b * inHeight + xR) * inWidth + xC) * channels + d];
              if (pixel > maxValue) {
                maxValue = pixel;
                maxPosition = (xR - rCorner) * fw + (xC - cCorner);
              }
            }
          }
          positions[out + d] = maxPosition;
        }
      }
    }
  }

  // tfjs's gradient loop: each input position sums the dy of every window whose maximum it is.
  const padLeft = fw - 1 - info.padInfo.left;
  const padTop = fh - 1 - info.padInfo.top;
  const dx = new Float32Array(batchSize * inHeight * inWidth * channels);
  for (let b = 0; b < batchSize; b++) {
    for (let dxR = 0; dxR < inHeight; dxR++) {
      for (let dxC = 0; dxC < inWidth; dxC++) {
        for (let d = 0; d < channels; d++) {
          let dotProd = 0;
          for (let wR = 0; wR < fh; wR++) {
            const dyR = (dxR - padTop + wR) / strideHeight;
            if (dyR < 0 || dyR >= outHeight || Math.floor(dyR) !== dyR) continue;
            for (let wC = 0; wC < fw; wC++) {
              const dyC = (dxC - padLeft + wC) / strideWidth;
              if (dyC < 0 || dyC >= outWidth || Math.floor(dyC) !== dyC) continue;
              const at = ((b * outHeight + dyR) * outWidth + dyC) * channels + d;
              if (fh * fw - 1 - positions[at] !== wR * fw + wC) continue;
              dotProd += dys[at] * 1;
            }
          }
          dx[((b * inHeight + dxR) * inWidth + dxC) * channels + d] = dotProd;
        }
      }
    }
  }
  return cpu.makeTensorInfo(x.shape, 'float32', dx);
};

const override = cpuKernelOverride(tf.MaxPoolGrad, maxPoolGradFast);

/** Makes the CPU backend use this kernel, once; a no-op if the CPU backend has no such kernel. */
export const useFastMaxPoolGrad = () => override.use();

/**
 * Runs both kernels on the CNN's pool shapes and on overlapping, padded windows, with relu'd
 * inputs so that many windows tie at 0; they must agree bit for bit.
 */
export async function expectSameAsStockMaxPoolGrad(): Promise<void> {
  const cases: { shape: [number, number, number, number]; filterSize: number; strides: number; pad: 'valid' | 'same' }[] = [
    { shape: [5, 28, 28, 8], filterSize: 2, strides: 2, pad: 'valid' },
    { shape: [5, 14, 14, 16], filterSize: 2, strides: 2, pad: 'valid' },
    { shape: [3, 7, 9, 3], filterSize: 3, strides: 2, pad: 'same' },
    { shape: [2, 8, 8, 2], filterSize: 3, strides: 1, pad: 'valid' },
  ];
  for (const [i, c] of cases.entries()) {
    const x = tf.relu(tf.randomNormal(c.shape, 0, 1, 'float32', 3 + i)) as tf.Tensor4D;
    const y = tf.maxPool(x, c.filterSize, c.strides, c.pad);
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 7 + i);
    const args = {
      inputs: { dy, input: x, output: y },
      backend: tf.backend(),
      attrs: { filterSize: c.filterSize, strides: c.strides, pad: c.pad, dimRoundingMode: undefined },
    } as unknown as Parameters<tf.KernelFunc>[0];
    try {
      override.expectSame(args, `The fast max-pool gradient differs from the stock CPU kernel for ${JSON.stringify(c)}.`);
    } finally {
      tf.dispose([x, y, dy]);
    }
  }
}
