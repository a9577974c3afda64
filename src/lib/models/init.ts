import { Rng } from '../engine/rng.ts';
import type { ParamSpec } from './spec.ts';

/**
 * Initial values are drawn on the CPU from the seeded Rng rather than with tf.randomUniform,
 * so the starting weights are bit-identical on every backend.
 */
export function initialValues(params: ParamSpec[], seed: number): Float32Array[] {
  const rng = Rng.seeded(seed, 'init');
  return params.map((param) => {
    const size = param.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (param.role === 'bias') return values;
    // Glorot uniform, as Keras does by default: fan_in/fan_out include the receptive field.
    const receptive = param.shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const fanIn = param.shape[param.shape.length - 2] * receptive;
    const fanOut = param.shape[param.shape.length - 1] * receptive;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < size; i++) values[i] = rng.uniform(-limit, limit);
    return values;
  });
}
