import * as tf from '@tensorflow/tfjs';

/**
 * One conv layer of the digits CNN: relu(conv2d(x, kernel, stride 1, 'same') + bias). Where
 * measurement showed tfjs's stock path to be slow, it runs with our own forward or gradient:
 *
 * - WebGPU, first layer with one input channel: tfjs's conv2d shader took ~1150 ms for 64
 *   digits through 8 3×3 filters on SwiftShader, most of a ~2 s step, while the 8 → 16 conv
 *   took ~150 ms. As im2col (shifted slices) and one matMul it takes ~150 ms, bit-identical.
 * - CPU: tfjs reduces the bias gradient with Sum, which transposes first: 17 + 9 ms of a
 *   ~195 ms step for the two layers. A matMul with a row of ones gives it in ~3 ms.
 *
 * The kernel and input gradients run tfjs's Conv2DBackpropFilter and Conv2DBackpropInput
 * kernels (on the CPU, the filter kernel is the app's bit-identical replacement registered in
 * forward.ts). Elsewhere (WebGL, WebGPU's later layers) this is tfjs's fused conv2d, gradient
 * and all.
 *
 * `isInput`: the layer's input is data, so no gradient is computed for it.
 */
export function convRelu(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor, isInput: boolean): tf.Tensor4D {
  const backend = tf.getBackend();
  const im2col = isInput && x.shape[3] === 1 && backend === 'webgpu';
  const biasByMatMul = backend === 'cpu';
  if (!im2col && !biasByMatMul) return stockConvRelu(x, kernel, bias);

  const forward = (input: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor) => (im2col ? im2colConvRelu(input, w, b) : stockConvRelu(input, w, b));
  const gradients = (input: tf.Tensor4D, w: tf.Tensor4D, y: tf.Tensor, dy: tf.Tensor) => {
    const dz = tf.mul(dy, tf.step(y)) as tf.Tensor4D;
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
    const dw = runKernel(tf.Conv2DBackpropFilter, { x: input, dy: dz }, { ...attrs, filterShape: w.shape });
    const db = biasByMatMul ? sumByMatMul(dz) : tf.sum(dz, [0, 1, 2]);
    const dx = isInput ? null : runKernel(tf.Conv2DBackpropInput, { dy: dz, filter: w }, { ...attrs, inputShape: input.shape });
    return { dx, dw, db };
  };

  // An input layer's data is not an input of the custom op, so tfjs asks for no gradient of it.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [input, w, b] = (isInput ? [x, ...args] : args) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor];
    const y = forward(input, w, b);
    // The input too: tfjs disposes what the forward pass made (the previous layer's output)
    // before the backward pass, and keeps only what is saved.
    save([y, input]);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], [savedY, savedInput]: tf.Tensor[]) => {
      const { dx, dw, db } = gradients(savedInput as tf.Tensor4D, w, savedY, dy as tf.Tensor);
      return isInput ? [dw, db] : [dx!, dw, db];
    };
    return { value: y, gradFunc };
  });
  return (isInput ? op(kernel, bias) : op(x, kernel, bias)) as tf.Tensor4D;
}

function stockConvRelu(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter: kernel, strides: 1, pad: 'same', bias, activation: 'relu' });
}

function im2colConvRelu(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor): tf.Tensor4D {
  const [n, height, width, channels] = x.shape;
  const [kh, kw, , filters] = kernel.shape;
  const patches = im2colSame(x, kh, kw).reshape([n * height * width, kh * kw * channels]) as tf.Tensor2D;
  const flat = tf.fused.matMul({ a: patches, b: kernel.reshape([kh * kw * channels, filters]), bias, activation: 'relu' });
  return flat.reshape([n, height, width, filters]);
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

/** Sum over every axis but the channels, as [1, n·h·w] × [n·h·w, c]. */
function sumByMatMul(dz: tf.Tensor4D): tf.Tensor {
  const channels = dz.shape[3];
  const rows = dz.size / channels;
  return tf.matMul(tf.ones([1, rows]), dz.reshape([rows, channels])).reshape([channels]);
}

/** A tfjs kernel by name (the gradient kernels have no public op of their own). */
function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}
