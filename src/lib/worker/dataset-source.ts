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

  async build(config: TrainConfig): Promise<Dataset> {
    if (config.demo !== 'digits') return buildDataset(config);
    return buildDataset(config, { mnist: await this.#loadMnist() });
  }

  #loadMnist(): Promise<MnistImages> {
    this.#mnist ??= this.#fetchMnist().catch((error: unknown) => {
      // A failed fetch is not kept: the next digits run tries again.
      this.#mnist = null;
      throw error;
    });
    return this.#mnist;
  }

  async #fetchMnist(): Promise<MnistImages> {
    const response = await fetch(this.#mnistUrl);
    if (!response.ok) {
      throw new Error(`The handwritten digits could not be loaded (${response.status} for ${this.#mnistUrl}). Run \`npm run build:data\` and reload.`);
    }
    return decodeMnist(new Uint8Array(await response.arrayBuffer()));
  }
}
