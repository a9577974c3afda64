import type { TrainConfig } from '../engine/config.ts';
import { buildDataset } from '../datasets/registry.ts';
import { decodeMnist, type MnistImages } from '../datasets/mnist.ts';
import type { Dataset } from '../datasets/types.ts';

/**
 * Builds a run's dataset. The digits are fetched from our own origin the first time a digits
 * run needs them and kept for the rest of the session; the other sets are generated.
 */
export class DatasetSource {
  #mnistUrl = '';
  #mnist: Promise<MnistImages> | null = null;

  set mnistUrl(url: string) {
    this.#mnistUrl = url;
  }

  /** True when building this config's dataset has to fetch something first. */
  needsDownload(config: TrainConfig): boolean {
    return config.demo === 'digits' && this.#mnist === null;
  }

  /** `onProgress` hears the share of the digits downloaded, 0 to 1, when the size is known. */
  async build(config: TrainConfig, onProgress: (share: number) => void = () => {}): Promise<Dataset> {
    if (config.demo !== 'digits') return buildDataset(config);
    return buildDataset(config, { mnist: await this.#loadMnist(onProgress) });
  }

  #loadMnist(onProgress: (share: number) => void): Promise<MnistImages> {
    this.#mnist ??= this.#fetchMnist(onProgress).catch((error: unknown) => {
      // A failed fetch is not kept: the next digits run tries again.
      this.#mnist = null;
      throw error;
    });
    return this.#mnist;
  }

  async #fetchMnist(onProgress: (share: number) => void): Promise<MnistImages> {
    const response = await fetch(this.#mnistUrl);
    if (!response.ok) {
      throw new Error(`The handwritten digits could not be loaded (${response.status} for ${this.#mnistUrl}). Run \`npm run build:data\` and reload.`);
    }
    return decodeMnist(await readWithProgress(response, onProgress));
  }
}

/** Reads a response body whole, reporting the share read so far when its length is known. */
async function readWithProgress(response: Response, onProgress: (share: number) => void): Promise<Uint8Array> {
  const total = Number(response.headers.get('content-length')) || 0;
  if (!response.body || total === 0) return new Uint8Array(await response.arrayBuffer());
  const bytes = new Uint8Array(total);
  const reader = response.body.getReader();
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    // A server that compressed the body reports the compressed length: grow if needed.
    if (received + value.byteLength > bytes.byteLength) return concatRest(bytes.subarray(0, received), value, reader);
    bytes.set(value, received);
    received += value.byteLength;
    onProgress(received / total);
  }
  return bytes.subarray(0, received);
}

async function concatRest(head: Uint8Array, next: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Uint8Array> {
  const parts = [head, next];
  for (let part = await reader.read(); !part.done; part = await reader.read()) parts.push(part.value);
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.byteLength;
  }
  return all;
}
