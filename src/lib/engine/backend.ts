import * as tf from '@tensorflow/tfjs';
// Registers the 'webgpu' backend (only where navigator.gpu exists); it initialises on setBackend.
import '@tensorflow/tfjs-backend-webgpu';

import type { BackendChoice, BackendName } from './backend-names.ts';
export { trySetBackend };
import { installFastCpuKernels } from '../models/cpu-kernels.ts';

export type { BackendChoice, BackendName };

/** Why this browser cannot give us a WebGPU adapter (`unavailable`), or whether the one it gives is software. */
async function probeWebgpu(): Promise<{ unavailable: string } | { software: boolean }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { unavailable: 'WebGPU is not available in this browser (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { unavailable: 'WebGPU is not available in this browser (no adapter)' };
    // Newer browsers say it in info, older ones on the adapter.
    const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    return { software: Boolean(info?.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter) };
  } catch (error) {
    return { unavailable: `WebGPU is not available in this browser (requesting an adapter failed: ${(error as Error).message})` };
  }
}

async function trySetBackend(name: BackendName): Promise<boolean> {
  if (!tf.findBackendFactory(name)) return false;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

const DISPLAY: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WebAssembly', cpu: 'the CPU' };

/**
 * Picks and initialises the tfjs backend: WebGPU when an adapter is available, else WebGL,
 * else the CPU. `requested` (from ?backend=, or after a device loss) is tried first, and
 * `requestedBecause` says why it was requested. The returned reason explains, in a
 * sentence, why WebGPU is not in use.
 */
export async function chooseBackend(requested?: BackendName, requestedBecause?: string): Promise<BackendChoice> {
  // Also used after a fallback from WebGPU, so install them whatever is chosen first.
  installFastCpuKernels();
  let why: string | null = null;
  if (requested && requested !== 'webgpu') {
    why = requestedBecause ?? `The URL asked for ?backend=${requested}, so WebGPU was not tried`;
  } else {
    const probe = await probeWebgpu();
    why = 'unavailable' in probe ? probe.unavailable : null;
    if ('software' in probe && (await trySetBackend('webgpu'))) {
      return { name: 'webgpu', adapter: describeAdapter(), software: probe.software };
    }
    why ??= 'WebGPU could not be initialised in this browser';
  }

  const order: BackendName[] = requested && requested !== 'webgpu' ? [requested, 'webgl', 'cpu'] : ['webgl', 'cpu'];
  for (const name of order) {
    if (await trySetBackend(name)) {
      const missed = requested && requested !== 'webgpu' && requested !== name ? ` The ${requested} backend is not available either.` : '';
      return { name, reason: `${why}; training on ${DISPLAY[name]}.${missed}` };
    }
  }
  throw new Error('No TensorFlow.js backend could be initialised (tried WebGPU, WebGL and CPU). Try another browser.');
}

function describeAdapter(): string | undefined {
  const backend = tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string } };
  const info = backend.adapterInfo;
  if (!info) return undefined;
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || undefined;
}

/**
 * Resolves when the WebGPU device is lost (driver reset, GPU removed), with the browser's
 * message; never resolves on other backends.
 */
export function deviceLost(): Promise<string> {
  const backend = tf.backend() as unknown as { device?: GPUDevice };
  if (tf.getBackend() !== 'webgpu' || !backend.device) return new Promise(() => {});
  return backend.device.lost.then((info) => info.message || `reason: ${info.reason}`);
}
