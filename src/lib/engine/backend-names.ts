// Backend names and URL parsing, kept free of tfjs so the page can use them without loading it.
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendChoice {
  /** The backend training runs on, exactly as tfjs names it. */
  name: BackendName;
  /** Why WebGPU is not the one in use, as a sentence for the page; absent when it is. */
  reason?: string;
  /** Adapter description, e.g. "SwiftShader", when WebGPU runs. */
  adapter?: string;
  /** True when the WebGPU adapter is a software one (isFallbackAdapter, as SwiftShader is). */
  software?: boolean;
}

/** 'auto' trains with our fused kernels where they cover the model; 'tfjs' always with TensorFlow.js ops. */
export const KERNEL_CHOICES = ['auto', 'tfjs'] as const;
export type KernelChoice = (typeof KERNEL_CHOICES)[number];

/** Parses ?kernels= from a URL's search string; an unknown value is reported, not trusted. */
export function kernelsFromSearch(search: string): { kernels?: KernelChoice; warning?: string } {
  const value = new URLSearchParams(search).get('kernels');
  if (value === null || value === '') return {};
  if ((KERNEL_CHOICES as readonly string[]).includes(value)) return { kernels: value as KernelChoice };
  return { warning: `The URL asks for ?kernels=${value.slice(0, 40)}, which is not one of ${KERNEL_CHOICES.join(', ')}; using fused kernels where they exist.` };
}

/** How a run trains: the backend, and on it our fused kernels or TensorFlow.js ops. */
export interface TrainingPlacement {
  backend: BackendName;
  path: 'fused' | 'tfjs';
  /** Why not fused kernels, or why not the backend chosen at start; a phrase for the page. */
  reason?: string;
}

/** Parses ?backend= from a URL's search string; an unknown value is reported, not trusted. */
export function backendFromSearch(search: string): { requested?: BackendName; warning?: string } {
  const value = new URLSearchParams(search).get('backend');
  if (value === null || value === '') return {};
  if ((BACKENDS as readonly string[]).includes(value)) return { requested: value as BackendName };
  return { warning: `The URL asks for ?backend=${value.slice(0, 40)}, which is not one of ${BACKENDS.join(', ')}; choosing automatically.` };
}
