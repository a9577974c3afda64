// Which way a text run trains: the fused GPT step (gpt-fused-step.ts) where it covers the
// model, backend and device, otherwise TensorFlow.js ops, with the reason the page shows.
import * as tf from '@tensorflow/tfjs';
import type { KernelChoice } from '../../../engine/backend-names.ts';
import { webgpuDevice, type KernelPath } from '../../../models/mlp-kernels/kernel-path.ts';
import type { TextModelSpec } from '../gpt-spec.ts';
import { gptFusedTooLarge } from './gpt-fused-step.ts';
import { gptLayout } from './gpt-layout.ts';

export function chooseTextKernelPath(spec: TextModelSpec, batch: number, choice: KernelChoice): KernelPath {
  if (choice === 'tfjs') return { kind: 'tfjs', reason: 'TensorFlow.js ops were asked for' };
  const backend = tf.getBackend();
  if (backend !== 'webgpu') return { kind: 'tfjs', reason: `fused kernels need WebGPU, and the backend is ${backend}` };
  // One row lookup and a softmax per character: TensorFlow.js ops are a handful of dispatches.
  if (spec.kind === 'bigram') return { kind: 'tfjs', reason: 'the bigram table has no fused kernels, only the transformer does' };
  const tooLarge = gptFusedTooLarge(gptLayout(spec, batch), webgpuDevice().limits);
  return tooLarge ? { kind: 'tfjs', reason: tooLarge } : { kind: 'fused' };
}
