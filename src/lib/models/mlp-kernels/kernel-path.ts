// Which way a Trainer trains: the fused WGSL step where it covers the model and backend,
// otherwise TensorFlow.js ops. The reason is a phrase the UI shows after the backend name,
// e.g. "webgpu · TensorFlow.js ops (TensorFlow.js ops were asked for)".
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../spec.ts';
import type { KernelChoice } from '../../engine/backend-names.ts';
import { cnnKernelsMissing } from '../cnn-kernels/cnn-layout.ts';

export type KernelPath = { kind: 'fused' } | { kind: 'tfjs'; reason: string };

export type { KernelChoice };

/**
 * Why our fused kernels cannot train this model, whatever the backend; null when they can.
 * Where they train it, evaluate() is fast on WebGPU too, even on a software adapter: the
 * CNN's runs in our kernels (cnn-kernels/cnn-fused-evaluation.ts), and an MLP's is a few tfjs matMuls.
 */
export function fusedKernelsMissing(spec: ModelSpec): string | null {
  return spec.kind === 'cnn' ? cnnKernelsMissing(spec) : null;
}

export function chooseKernelPath(spec: ModelSpec, choice: KernelChoice): KernelPath {
  if (choice === 'tfjs') return { kind: 'tfjs', reason: 'TensorFlow.js ops were asked for' };
  const backend = tf.getBackend();
  if (backend !== 'webgpu') return { kind: 'tfjs', reason: `fused kernels need WebGPU, and the backend is ${backend}` };
  const missing = fusedKernelsMissing(spec);
  return missing ? { kind: 'tfjs', reason: missing } : { kind: 'fused' };
}

/** The WebGPU backend's device, which the fused step shares with tfjs. */
export function webgpuDevice(): GPUDevice {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device) throw new Error('The WebGPU backend has no device; fused kernels need tf.setBackend("webgpu") to have succeeded.');
  return device;
}

/** Training targets as the fused step reads them: one-hot rows, or one value per row for regression. */
export function targetRows(labels: Float32Array, classes: number): Float32Array {
  if (classes === 0) return labels;
  const rows = new Float32Array(labels.length * classes);
  labels.forEach((label, i) => (rows[i * classes + label] = 1));
  return rows;
}
