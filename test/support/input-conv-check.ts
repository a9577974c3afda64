// inputConv2d (src/lib/models/input-conv.ts) against tfjs's fused conv2d on the backend in
// use: the same outputs and the same gradients for the kernel and the bias. The unit test
// runs it on the CPU; test/browser/input-conv.spec.ts on WebGPU, where the app uses it.
import * as tf from '@tensorflow/tfjs';
import { inputConv2d } from '../../src/lib/models/input-conv.ts';

export interface InputConvCase {
  /** [n, h, w, c] */
  input: [number, number, number, number];
  /** [kh, kw, c, filters] */
  kernel: [number, number, number, number];
}

export interface InputConvDifference {
  case: InputConvCase;
  /** Largest |ours - stock| relative to the largest |stock| of each output. */
  value: number;
  kernel: number;
  bias: number;
}

export async function compareWithStockConv(cases: InputConvCase[]): Promise<InputConvDifference[]> {
  const results: InputConvDifference[] = [];
  for (const [i, c] of cases.entries()) {
    const x = tf.randomNormal(c.input, 0, 1, 'float32', 10 + i) as tf.Tensor4D;
    const kernel = tf.randomNormal(c.kernel, 0, 0.5, 'float32', 20 + i) as tf.Tensor4D;
    const bias = tf.randomNormal([c.kernel[3]], 0, 0.1, 'float32', 30 + i);
    // A fixed upstream gradient that is not all ones, so the relu mask and the sums both matter.
    const dy = tf.randomNormal([...c.input.slice(0, 3), c.kernel[3]], 0, 1, 'float32', 40 + i);
    const run = (conv: (w: tf.Tensor4D, b: tf.Tensor) => tf.Tensor) => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(conv(wVar, bVar), dy)) as tf.Scalar, [wVar, bVar]);
      const out = conv(wVar, bVar);
      const result = [out, grads[wVar.name], grads[bVar.name]];
      value.dispose();
      return result;
    };
    const wVar = tf.variable(kernel);
    const bVar = tf.variable(bias);
    const ours = run((w, b) => inputConv2d(x, w, b));
    const stock = run((w, b) => tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', bias: b, activation: 'relu' }));
    const [value, kernelDiff, biasDiff] = await Promise.all(ours.map((t, j) => relativeDifference(t, stock[j])));
    results.push({ case: c, value, kernel: kernelDiff, bias: biasDiff });
    tf.dispose([x, kernel, bias, dy, wVar, bVar, ...ours, ...stock]);
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
