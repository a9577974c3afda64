import type { TrainConfig } from '../engine/config.ts';
import { buildDataset, type DataSources } from '../datasets/registry.ts';
import { decodeMnist, MNIST_ASSET_PATH, type MnistImages } from '../datasets/mnist.ts';
import type { Dataset } from '../datasets/types.ts';
import { buildTextDataset, DEFAULT_TEXT_DATA_CONFIG, nameListAssetPath, textDatasetKind, type NameListName, type TextDatasetName } from '../text/data/index.ts';
import type { TextRunSource } from '../text/text-trainer.ts';

/**
 * Builds a run's dataset. The digits are fetched from our own origin the first time a digits
 * run needs them and kept for the rest of the session; the other sets are generated.
 */
export class DatasetSource {
  #mnistUrl = '';
  #mnist: Promise<MnistImages> | null = null;
  /** Name lists fetched so far, by name; a failed fetch is not kept. */
  #nameLists = new Map<NameListName, Promise<string>>();

  set mnistUrl(url: string) {
    this.#mnistUrl = url;
  }

  /** True when building this config's dataset has to fetch something first. */
  needsDownload(config: TrainConfig): boolean {
    return config.demo === 'digits' && this.#mnist === null;
  }

  /** `onProgress` hears the share of the digits downloaded, 0 to 1, when the size is known; `csv` is a CSV run's table. */
  async build(config: TrainConfig, onProgress: (share: number) => void = () => {}, csv?: DataSources['csv']): Promise<Dataset> {
    if (config.demo !== 'digits') return buildDataset(config, { csv });
    return buildDataset(config, { mnist: await this.#loadMnist(onProgress) });
  }

  /**
   * The text a text run learns: a name list fetched from our origin (like the digits), a toy
   * task generated from the config, or `customText`, which the page validated where it entered.
   */
  async buildText(config: TrainConfig, customText?: string): Promise<TextRunSource> {
    const name = config.dataset as TextDatasetName;
    const dataConfig = { ...DEFAULT_TEXT_DATA_CONFIG, textDataset: name, seed: config.seed, testFraction: config.testFraction, taskLength: config.taskLength, taskDigits: config.taskDigits };
    switch (textDatasetKind(name)) {
      case 'nameList':
        return { dataset: buildTextDataset(dataConfig, { nameList: await this.#loadNameList(name as NameListName) }) };
      case 'toyTask':
        return { dataset: buildTextDataset(dataConfig) };
      case 'custom':
        if (customText === undefined) throw new Error('Paste or drop your text into "Your text" first; the run needs it to start.');
        return { dataset: buildTextDataset(dataConfig, { customText }), customText };
    }
  }

  #loadNameList(name: NameListName): Promise<string> {
    let list = this.#nameLists.get(name);
    if (!list) {
      list = this.#fetchNameList(name);
      list.catch(() => this.#nameLists.delete(name));
      this.#nameLists.set(name, list);
    }
    return list;
  }

  async #fetchNameList(name: NameListName): Promise<string> {
    // The lists sit beside the digits asset, so the digits' URL (absolute, from the page) locates them.
    const url = new URL(nameListAssetPath(name), this.#mnistUrl.slice(0, this.#mnistUrl.length - MNIST_ASSET_PATH.length)).href;
    const response = await fetch(url);
    if (!response.ok) throw new Error(`The ${name} list could not be loaded (${response.status} for ${url}). Run \`npm run build:data\` and reload.`);
    return response.text();
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
