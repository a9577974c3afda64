import * as tf from '@tensorflow/tfjs';

/** Added to the norm before dividing, as PyTorch's clip_grad_norm_ does, so a zero norm is safe. */
export const CLIP_EPSILON = 1e-6;

/**
 * Scales all gradients together so their global L2 norm is at most `maxNorm`, as
 * torch.nn.utils.clip_grad_norm_ (nanoGPT's grad_clip): factor min(1, maxNorm / (norm + 1e-6)).
 * Everything stays on the device, so a training step never waits for a download. Returns new
 * tensors and the norm before clipping (for a chart); call inside tf.tidy.
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: tf.Scalar } {
  if (!(maxNorm > 0)) throw new Error(`The gradient clipping norm must be positive, but it is ${maxNorm}.`);
  const norm = tf.sqrt(tf.addN(grads.map((g) => g.square().sum()))) as tf.Scalar;
  const factor = tf.minimum(1, tf.div(maxNorm, norm.add(CLIP_EPSILON)));
  return { grads: grads.map((g) => g.mul(factor)), norm };
}
