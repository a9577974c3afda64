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
}

/** Parses ?backend= from a URL's search string; an unknown value is reported, not trusted. */
export function backendFromSearch(search: string): { requested?: BackendName; warning?: string } {
  const value = new URLSearchParams(search).get('backend');
  if (value === null || value === '') return {};
  if ((BACKENDS as readonly string[]).includes(value)) return { requested: value as BackendName };
  return { warning: `The URL asks for ?backend=${value.slice(0, 40)}, which is not one of ${BACKENDS.join(', ')}; choosing automatically.` };
}
