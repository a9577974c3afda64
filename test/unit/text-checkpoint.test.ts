import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { expectSameNextLosses } from './resume-support.ts';
import { strFromU8, unzipSync } from 'fflate';
import { defaultConfig, type TrainConfig } from '../../src/lib/engine/config.ts';
import { decodeTensors, encodeCheckpoint } from '../../src/lib/checkpoint/codec.ts';
import { fromCheckpoint, toCheckpointInput } from '../../src/lib/checkpoint/training-state.ts';
import { exportCheckpointZip, readCheckpointFiles } from '../../src/lib/share/checkpoint-file.ts';
import { buildTextDataset, DEFAULT_TEXT_DATA_CONFIG } from '../../src/lib/text/data/index.ts';
import { TextTrainer, type TextRunSource } from '../../src/lib/text/text-trainer.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const OWN_TEXT = 'Row, row, row your boat, gently down the stream. Merrily, merrily, merrily, merrily, life is but a dream.\n'.repeat(5);
const CONFIG: TrainConfig = { ...defaultConfig('text'), dataset: 'custom', layers: 1, heads: 2, width: 16, context: 12, batchSize: 4, warmupSteps: 3 };

function sourceOf(customText: string): TextRunSource {
  const dataset = buildTextDataset({ ...DEFAULT_TEXT_DATA_CONFIG, textDataset: 'custom', seed: CONFIG.seed, testFraction: CONFIG.testFraction }, { customText });
  return { dataset, customText };
}

describe('a text run as a file', () => {
  it('exports with its own text and vocabulary, imports without the original, and continues bit-identically', async () => {
    const trainer = TextTrainer.create(CONFIG, sourceOf(OWN_TEXT));
    for (let i = 0; i < 6; i++) trainer.trainStep();
    await trainer.evaluate();
    const input = await toCheckpointInput(await trainer.captureState(), { runId: 'run-1', runName: 'My text', config: CONFIG, backend: 'cpu' });
    const { manifest, chunks } = await encodeCheckpoint(input, { id: 'checkpoint-1', chunkSize: 4096 });
    const zip = await exportCheckpointZip({ manifest, tensors: decodeTensors(manifest, chunks) });
    // No TensorFlow.js Layers copy (the transformer has none), but nanoGPT's safetensors and config.
    const entries = unzipSync(zip);
    expect(Object.keys(entries).filter((name) => !name.startsWith('chunks/'))).toEqual(['README.txt', 'checkpoint.json', 'model.safetensors', 'config.json']);
    expect(JSON.parse(strFromU8(entries['config.json']))).toMatchObject({ vocab_size: trainer.spec.vocabSize, block_size: 12, n_layer: 1, n_head: 2, n_embd: 16, bias: true });

    // safetensors: u64 header length, JSON header, then the float32 bytes of each tensor.
    const file = entries['model.safetensors'];
    const headerLength = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(strFromU8(file.subarray(8, 8 + headerLength)));
    const names = trainer.paramTable.map((p) => p.name);
    expect(Object.keys(header).filter((k) => k !== '__metadata__')).toEqual([...names, 'lm_head.weight']);
    const read = (name: string) => {
      const [begin, end] = header[name].data_offsets as [number, number];
      return new Float32Array(file.slice(8 + headerLength + begin, 8 + headerLength + end).buffer);
    };
    for (const [i, name] of names.entries()) {
      expect(header[name]).toMatchObject({ dtype: 'F32', shape: trainer.paramTable[i].shape });
      expect(read(name)).toEqual(await trainer.params[i].data());
    }
    expect(read('lm_head.weight')).toEqual(read('transformer.wte.weight'));

    const imported = await readCheckpointFiles([{ name: 'my-text.zip', bytes: zip }]);
    if (imported.kind !== 'checkpoint') throw new Error('The export should import as a checkpoint.');
    const { config, captured } = fromCheckpoint({ manifest: imported.manifest, tensors: imported.input.tensors });
    expect(captured.text?.customText).toBe(OWN_TEXT);
    const resumed = await TextTrainer.restore(config, sourceOf(captured.text!.customText!), captured);
    tf.dispose(captured.tensors.map((t) => t.tensor));

    await expectSameNextLosses(trainer, resumed);
  });
});
