// convRelu (src/lib/models/conv-layer.ts) against tfjs's fused conv2d on the backend in use:
// the same outputs and the same gradients for the kernel, the bias and (for a layer that is
// not the input) its input. The unit test runs it on the CPU; test/browser/conv-layer.spec.ts
// on WebGPU.
import * as tf from '@tensorflow/tfjs';
import { convRelu } from '../../src/lib/models/conv-layer.ts';

export interface ConvCase {
  /** [n, h, w, c] */
  input: [number, number, number, number];
  /** [kh, kw, c, filters] */
  kernel: [number, number, number, number];
  /** The network's first layer: its input is data and gets no gradient. */
  isInput: boolean;
}

export interface ConvDifference {
  case: ConvCase;
  /** Largest |ours - stock| relative to the largest |stock|, per output. */
  value: number;
  kernel: number;
  bias: number;
  /** NaN for an input layer. */
  input: number;
}

export async function compareWithStockConv(cases: ConvCase[]): Promise<ConvDifference[]> {
  const results: ConvDifference[] = [];
  for (const [i, c] of cases.entries()) {
    const x = tf.randomNormal(c.input, 0, 1, 'float32', 10 + i) as tf.Tensor4D;
    const kernel = tf.randomNormal(c.kernel, 0, 0.5, 'float32', 20 + i) as tf.Tensor4D;
    const bias = tf.randomNormal([c.kernel[3]], 0, 0.1, 'float32', 30 + i);
    // A fixed upstream gradient that is not all ones, so the relu mask and the sums both matter.
    const dy = tf.randomNormal([...c.input.slice(0, 3), c.kernel[3]], 0, 1, 'float32', 40 + i);
    const run = (conv: (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor) => tf.Tensor) => {
      const wrt = c.isInput ? [kernel, bias] : [x, kernel, bias];
      const grads = tf.grads((...args: tf.Tensor[]) => {
        const [input, w, b] = c.isInput ? [x, ...args] : args;
        // As in a network, the layer's input is made inside the differentiated function, so
        // tfjs disposes it before the backward pass unless the layer saved it.
        const made = tf.mul(input, tf.scalar(1)) as tf.Tensor4D;
        return tf.sum(tf.mul(conv(made, w as tf.Tensor4D, b), dy));
      })(wrt);
      const [dx, dw, db] = c.isInput ? [null, ...grads] : grads;
      return { out: conv(x, kernel, bias), dx, dw, db };
    };
    const ours = run((input, w, b) => convRelu(input, w, b, c.isInput));
    const stock = run((input, w, b) => tf.fused.conv2d({ x: input, filter: w, strides: 1, pad: 'same', bias: b, activation: 'relu' }));
    results.push({
      case: c,
      value: await relativeDifference(ours.out, stock.out),
      kernel: await relativeDifference(ours.dw!, stock.dw!),
      bias: await relativeDifference(ours.db!, stock.db!),
      input: ours.dx && stock.dx ? await relativeDifference(ours.dx, stock.dx) : Number.NaN,
    });
    tf.dispose([x, kernel, bias, dy, ...[ours, stock].flatMap((r) => [r.out, r.dx, r.dw, r.db].filter((t): t is tf.Tensor => t !== null))]);
  }
  return results;
}

async function relativeDifference(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = await Promise.all([a.data(), b.data()]);
  if (x.length !== y.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return diff / (scale || 1);
}
