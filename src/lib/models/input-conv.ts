import * as tf from '@tensorflow/tfjs';

/**
 * relu(conv2d(x, kernel, stride 1, 'same') + bias) for a network's first layer, whose input
 * is data: no gradient flows back to `x`, only to `kernel` and `bias`.
 *
 * Why it exists: tfjs's WebGPU conv2d shader is pathological with one input channel on
 * SwiftShader. For 64 digits through 8 3×3 filters it took ~1150 ms, most of a ~2 s CNN step,
 * while the second conv (8 → 16 channels, 4× the multiplies) took ~150 ms. Written as
 * im2col (nine shifted slices) and one matMul it takes ~150 ms with bit-identical outputs.
 * Its gradient keeps tfjs's own filter-gradient kernel, which is fast there; the matMul's
 * own gradient (a 50176-long reduction) was not.
 */
export function inputConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor): tf.Tensor4D {
  const [n, height, width, channels] = x.shape;
  const [kh, kw, , filters] = kernel.shape;
  const conv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [w, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const patches = im2colSame(x, kh, kw).reshape([n * height * width, kh * kw * channels]);
    const flat = tf.fused.matMul({ a: patches as tf.Tensor2D, b: w.reshape([kh * kw * channels, filters]), bias: b, activation: 'relu' });
    const y = flat.reshape([n, height, width, filters]);
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const dz = tf.mul(dy as tf.Tensor, tf.step(saved[0]));
        const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: w.shape } as const;
        const dw = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: dz }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        return [dw, tf.sum(dz, [0, 1, 2])];
      },
    };
  });
  return conv(kernel, bias) as tf.Tensor4D;
}

/** [n, h, w, kh·kw·c]: at each position, its kh×kw neighbourhood with 'same' zero padding. */
function im2colSame(x: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  const [n, height, width, channels] = x.shape;
  // tfjs's 'same': the odd one out of the padding goes at the bottom and the right.
  const top = Math.floor((kh - 1) / 2);
  const left = Math.floor((kw - 1) / 2);
  const padded = tf.pad(x, [[0, 0], [top, kh - 1 - top], [left, kw - 1 - left], [0, 0]]);
  const shifted: tf.Tensor4D[] = [];
  for (let dy = 0; dy < kh; dy++) {
    for (let dx = 0; dx < kw; dx++) shifted.push(tf.slice(padded, [0, dy, dx, 0], [n, height, width, channels]));
  }
  return tf.concat(shifted, 3);
}
