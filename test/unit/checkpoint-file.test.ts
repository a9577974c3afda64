import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { defaultConfig, type TrainConfig } from '../../src/lib/engine/config.ts';
import { Rng } from '../../src/lib/engine/rng.ts';
import { Trainer } from '../../src/lib/engine/trainer.ts';
import { buildDataset, type DataSources } from '../../src/lib/datasets/registry.ts';
import { exampleCount } from '../../src/lib/datasets/types.ts';
import { MNIST_PIXELS, type MnistImages } from '../../src/lib/datasets/mnist.ts';
import { decodeTensors, encodeCheckpoint, sha256Hex } from '../../src/lib/checkpoint/codec.ts';
import type { LoadedCheckpoint, TensorData } from '../../src/lib/checkpoint/types.ts';
import { fromCheckpoint, toCheckpointInput } from '../../src/lib/checkpoint/training-state.ts';
import { CheckpointFileError, exportCheckpointZip, readCheckpointFiles, type ImportedFile, type ImportLimits, type NamedBytes } from '../../src/lib/share/checkpoint-file.ts';
import { editManifest, rezip } from '../support/zip-edits.ts';
import { installFastCpuKernels } from '../../src/lib/models/cpu-kernels.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  installFastCpuKernels();
});

/** Random digits: enough for buildDataset and a few CNN steps, no asset needed. */
function fakeMnist(count: number): MnistImages {
  const rng = Rng.seeded(7, 'fake-mnist');
  return {
    count,
    pixels: Uint8Array.from({ length: count * MNIST_PIXELS }, () => rng.int(256)),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
  };
}

const SPIRAL: TrainConfig = { ...defaultConfig('classify2d'), features: ['x', 'y', 'x2'], dropout: 0.1, batchSize: 64 };
const CURVE: TrainConfig = defaultConfig('curve');
const DIGITS_CNN: TrainConfig = { ...defaultConfig('digits'), model: 'cnn', batchSize: 8 };
const DIGITS_SOURCES: DataSources = { mnist: fakeMnist(50) };

/**
 * Trains a few steps and turns the captured state into what the store would load: through
 * toCheckpointInput and the codec, with small chunks so a checkpoint spans several of them.
 */
async function trainedCheckpoint(config: TrainConfig, steps: number, sources: DataSources = {}): Promise<{ trainer: Trainer; loaded: LoadedCheckpoint }> {
  const trainer = Trainer.create(config, buildDataset(config, sources));
  for (let i = 0; i < steps; i++) trainer.trainStep();
  await trainer.evaluate();
  const captured = await trainer.captureState();
  const input = await toCheckpointInput(captured, { runId: 'run-1', runName: 'My run', config, backend: 'cpu' });
  const { manifest, chunks } = await encodeCheckpoint(input, { id: 'checkpoint-1', chunkSize: 4096 });
  return { trainer, loaded: { manifest, tensors: decodeTensors(manifest, chunks) } };
}

/** Runs an import that must fail, and returns its error. */
/** The same checkpoint as a format v1 file: SHA-256 per chunk, no algorithm field. */
async function asVersion1(zip: Uint8Array): Promise<Uint8Array> {
  const entries = unzipSync(zip);
  const { checksumAlgorithm: _, chunks, ...manifest } = JSON.parse(strFromU8(entries['checkpoint.json']));
  const v1Chunks = await Promise.all(chunks.map(async (c: { size: number }, i: number) => ({ size: c.size, sha256: await sha256Hex(entries[`chunks/${i}.bin`]) })));
  entries['checkpoint.json'] = strToU8(JSON.stringify({ ...manifest, version: 1, chunks: v1Chunks }));
  return zipSync(entries);
}

async function refusal(files: NamedBytes[], limits?: ImportLimits): Promise<CheckpointFileError> {
  let result: ImportedFile | undefined;
  try {
    result = await readCheckpointFiles(files, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointFileError);
    return error as CheckpointFileError;
  }
  throw new Error(`The import should have been refused but returned a ${result.kind}.`);
}

async function predictWithStockTfjs(zip: Uint8Array, inputs: Float32Array, inputShape: number[]): Promise<Float32Array> {
  const entries = unzipSync(zip);
  const modelJson = JSON.parse(strFromU8(entries['model.json']));
  const weights = entries['weights.bin'];
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData: weights.slice().buffer }),
  );
  const x = tf.tensor(inputs, [exampleCount(inputs, inputShape), ...inputShape]);
  const y = model.predict(x) as tf.Tensor;
  const values = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  model.dispose();
  return values;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('exportCheckpointZip', () => {
  const cases: [string, TrainConfig, DataSources][] = [
    ['spiral MLP with dropout', SPIRAL, {}],
    ['curve MLP', CURVE, {}],
    ['digits CNN', DIGITS_CNN, DIGITS_SOURCES],
  ];
  for (const [label, config, sources] of cases) {
    it(`writes a model.json that stock tf.loadLayersModel predicts with like the app (${label})`, async () => {
      const { trainer, loaded } = await trainedCheckpoint(config, 3, sources);
      const zip = await exportCheckpointZip(loaded);
      const inputs = trainer.dataset.testX;
      const expected = await trainer.predict(inputs);
      const actual = await predictWithStockTfjs(zip, inputs, trainer.dataset.inputShape);
      expect(actual.length).toBe(expected.length);
      expect(maxAbsDiff(actual, expected)).toBeLessThanOrEqual(1e-6);
      trainer.dispose();
    });
  }

  it('lays the zip out as README, checkpoint.json, chunks and the Layers model, the same bytes every time', async () => {
    const { trainer, loaded } = await trainedCheckpoint(SPIRAL, 3);
    trainer.dispose();
    const zip = await exportCheckpointZip(loaded);
    const entries = unzipSync(zip);
    const chunkNames = loaded.manifest.chunks.map((_, i) => `chunks/${i}.bin`);
    expect(chunkNames.length).toBeGreaterThan(1);
    expect(Object.keys(entries).sort()).toEqual(['README.txt', 'checkpoint.json', ...chunkNames, 'model.json', 'weights.bin'].sort());
    const { layersModelFiles, ...manifest } = JSON.parse(strFromU8(entries['checkpoint.json']));
    expect(manifest).toEqual(loaded.manifest);
    expect(layersModelFiles).toEqual(
      await Promise.all(['model.json', 'weights.bin'].map(async (path) => ({ path, size: entries[path].length, sha256: await sha256Hex(entries[path]) }))),
    );
    expect(strFromU8(entries['README.txt'])).toContain('tf.loadLayersModel');
    expect(await exportCheckpointZip(loaded)).toEqual(zip);
  });
});

describe('readCheckpointFiles on an exported checkpoint', () => {
  it('gives back the same tensors and config under a new run id, and the run continues with the same losses', async () => {
    const { trainer, loaded } = await trainedCheckpoint(SPIRAL, 7);
    const imported = await readCheckpointFiles([{ name: 'spiral.zip', bytes: await exportCheckpointZip(loaded) }]);
    if (imported.kind !== 'checkpoint') throw new Error('expected a checkpoint');
    const { input } = imported;

    expect(input.config).toEqual(SPIRAL);
    expect(input.runId).not.toBe(loaded.manifest.runId);
    expect(input.runName).toBe('My run (imported)');
    expect(input.step).toBe(7);
    expect(input.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual(loaded.tensors.map((t) => [t.name, t.dtype, t.shape]));
    input.tensors.forEach((t, i) => expect(new Uint8Array(t.values.buffer)).toEqual(new Uint8Array(loaded.tensors[i].values.buffer)));

    // What the store does with it: encode, then load and restore.
    const stored = await encodeCheckpoint(input, { id: 'imported-1' });
    const restorable = fromCheckpoint({ manifest: stored.manifest, tensors: decodeTensors(stored.manifest, stored.chunks) });
    const resumed = await Trainer.restore(restorable.config, buildDataset(restorable.config), restorable.captured);
    tf.dispose(restorable.captured.tensors.map((t) => t.tensor));
    for (let i = 0; i < 5; i++) {
      trainer.trainStep();
      resumed.trainStep();
    }
    await Promise.all([trainer.readLosses(), resumed.readLosses()]);
    expect(resumed.lossHistory).toHaveLength(12);
    expect(resumed.lossHistory).toEqual(trainer.lossHistory);
    trainer.dispose();
    resumed.dispose();
  });

  it('imports a checkpoint saved before the first step, whose train loss JSON wrote as null', async () => {
    const { trainer, loaded } = await trainedCheckpoint(CURVE, 0);
    trainer.dispose();
    expect(loaded.manifest.metrics.trainLoss).toBeNaN();
    const imported = await readCheckpointFiles([{ name: 'curve.zip', bytes: await exportCheckpointZip(loaded) }]);
    if (imported.kind !== 'checkpoint') throw new Error('expected a checkpoint');
    expect(imported.input.metrics).toEqual({ testLoss: loaded.manifest.metrics.testLoss });
  });

  it('keeps tf.memory().numTensors flat across export and import', async () => {
    const { trainer, loaded } = await trainedCheckpoint(DIGITS_CNN, 1, DIGITS_SOURCES);
    const before = tf.memory().numTensors;
    await readCheckpointFiles([{ name: 'digits.zip', bytes: await exportCheckpointZip(loaded) }]);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });
});

describe('readCheckpointFiles on a checkpoint whose TensorFlow.js copy is damaged', () => {
  let loaded: LoadedCheckpoint;
  let good: Uint8Array;
  beforeAll(async () => {
    const trained = await trainedCheckpoint(SPIRAL, 2);
    trained.trainer.dispose();
    loaded = trained.loaded;
    good = await exportCheckpointZip(loaded);
  });
  const flipWeightsByte = (entries: Record<string, Uint8Array>) => {
    entries['weights.bin'][40] ^= 1;
  };

  /** Imports a file that must come back as a checkpoint. */
  async function importCheckpoint(bytes: Uint8Array) {
    const imported = await readCheckpointFiles([{ name: 'run.zip', bytes }]);
    if (imported.kind !== 'checkpoint') throw new Error(`The file should have been read as a checkpoint, not a ${imported.kind}.`);
    return imported;
  }
  const expectIntactTensors = (tensors: TensorData[]) => {
    expect(tensors.map((t) => t.name)).toEqual(loaded.tensors.map((t) => t.name));
    tensors.forEach((t, i) => expect(new Uint8Array(t.values.buffer)).toEqual(new Uint8Array(loaded.tensors[i].values.buffer)));
  };

  it('imports a flipped byte in weights.bin from the intact chunks, says so, and the next export writes a good copy', async () => {
    const imported = await importCheckpoint(rezip(good, flipWeightsByte));
    expect(imported.notice).toBe(
      'The TensorFlow.js copy in "run.zip" is damaged (weights.bin does not match the SHA-256 that checkpoint.json records), ' +
        "so the run was imported from the checkpoint's own chunks, which are intact; the next Export of this run writes a new copy.",
    );
    expectIntactTensors(imported.input.tensors);

    const stored = await encodeCheckpoint(imported.input, { id: 'imported-1' });
    const again = await exportCheckpointZip({ manifest: stored.manifest, tensors: decodeTensors(stored.manifest, stored.chunks) });
    expect(unzipSync(again)['weights.bin']).toEqual(unzipSync(good)['weights.bin']);
  });

  it('names every damaged or missing file of the copy', async () => {
    const zip = rezip(good, (entries) => {
      entries['model.json'][20] ^= 1;
      delete entries['weights.bin'];
    });
    const imported = await importCheckpoint(zip);
    expect(imported.notice).toMatch(/ is damaged \(model\.json does not match the SHA-256 that checkpoint\.json records; weights\.bin is missing\), /);
    expectIntactTensors(imported.input.tensors);

    const short = await importCheckpoint(rezip(good, (entries) => (entries['weights.bin'] = entries['weights.bin'].subarray(4))));
    expect(short.notice).toMatch(/ \(weights\.bin is \d+ bytes where checkpoint\.json records \d+\), /);
  });

  it('says nothing about an intact copy, or about a file exported before the copy was recorded', async () => {
    expect((await importCheckpoint(good)).notice).toBeUndefined();
    const older = editManifest(good, (m) => delete m.layersModelFiles);
    const imported = await importCheckpoint(rezip(older, flipWeightsByte));
    expect(imported.notice).toBeUndefined();
    expectIntactTensors(imported.input.tensors);
  });

  it('refuses the file when its chunks are damaged as well, since nothing intact is left to resume from', async () => {
    const zip = rezip(good, (entries) => {
      flipWeightsByte(entries);
      entries['chunks/0.bin'][100] ^= 1;
    });
    const error = await refusal([{ name: 'run.zip', bytes: zip }]);
    expect(error.code).toBe('hash-mismatch');
    expect(error.message).toMatch(/^The entry chunks\/0\.bin \(chunk 1 of \d+\) in "run\.zip" does not match its xxh64 checksum, so the file is damaged\./);
  });

  it('refuses a record of the copy that names a file it does not have', async () => {
    const error = await refusal([{ name: 'run.zip', bytes: editManifest(good, (m) => (m.layersModelFiles[0].path = 'other.bin')) }]);
    expect(error.code).toBe('schema');
    expect(error.message).toMatch(/^The file "checkpoint\.json" in "run\.zip" is not a valid checkpoint header: the field "layersModelFiles\.0\.path" is wrong/);
  });
});

describe('readCheckpointFiles refuses damaged or foreign files', () => {

  let good: Uint8Array;
  let chunkCount: number;
  beforeAll(async () => {
    const { trainer, loaded } = await trainedCheckpoint(SPIRAL, 2);
    trainer.dispose();
    good = await exportCheckpointZip(loaded);
    chunkCount = loaded.manifest.chunks.length;
  });
  const bad = (bytes: Uint8Array) => [{ name: 'bad.zip', bytes }];

  it('a truncated zip', async () => {
    for (const length of [good.length - 10, Math.floor(good.length / 2)]) {
      const error = await refusal(bad(good.subarray(0, length)));
      expect(error.code).toBe('truncated-zip');
      expect(error.message).toBe(
        'The zip archive "bad.zip" is incomplete or damaged: its table of contents is missing or does not match its contents. ' +
          'This usually means the download or copy was cut short; get the file again.',
      );
    }
  });

  it('a file that is neither a zip nor a model.json', async () => {
    const error = await refusal([{ name: 'notes.txt', bytes: strToU8('These are my notes, not a checkpoint.') }]);
    expect(error.code).toBe('not-a-zip');
    expect(error.message).toBe(
      'The file "notes.txt" is neither a .zip archive nor a model.json. Choose a checkpoint .zip exported by the playground, or a TensorFlow.js model.json together with its .bin files.',
    );
  });

  it('a chunk whose bytes do not match its checksum, in a version 2 and a version 1 file', async () => {
    const flip = (zip: Uint8Array) => rezip(zip, (entries) => void (entries['chunks/1.bin'][100] ^= 1));
    for (const [zip, label] of [[good, 'xxh64 checksum'], [await asVersion1(good), 'SHA-256']] as const) {
      const error = await refusal(bad(flip(zip)));
      expect(error.code).toBe('hash-mismatch');
      expect(error.message).toBe(
        `The entry chunks/1.bin (chunk 2 of ${chunkCount}) in "bad.zip" does not match its ${label}, so the file is damaged. Export the checkpoint again from the playground.`,
      );
    }
  });

  it('a version 1 file (SHA-256 per chunk) still imports, with the same tensors', async () => {
    const [fromV1, fromV2] = await Promise.all([readCheckpointFiles(bad(await asVersion1(good))), readCheckpointFiles(bad(good))]);
    if (fromV1.kind !== 'checkpoint' || fromV2.kind !== 'checkpoint') throw new Error('Both files should import as checkpoints.');
    expect(fromV1.manifest.version).toBe(1);
    expect(fromV1.input.tensors).toEqual(fromV2.input.tensors);
  });

  it('an unknown format version', async () => {
    const error = await refusal(bad(editManifest(good, (m) => (m.version = 3))));
    expect(error.code).toBe('unknown-version');
    expect(error.message).toBe(
      '"bad.zip" holds a checkpoint of format version 3, but this playground reads only versions 1 and 2. ' +
        'It was exported by a newer playground: reload the page to update the playground, then import it again.',
    );
  });

  it('an oversized file, before it is unpacked', async () => {
    const whole = await refusal(bad(good), { maxTotalBytes: 1000, maxFileBytes: 1000 });
    expect(whole.code).toBe('too-large');
    expect(whole.message).toMatch(/^The file "bad\.zip" is \d+ KB, more than the 1 KB an import may have, so the import was stopped\. Choose a smaller checkpoint or model\.$/);

    const entry = await refusal(bad(good), { maxTotalBytes: 512e6, maxFileBytes: 2000 });
    expect(entry.code).toBe('too-large');
    expect(entry.message).toMatch(
      /^The entry "checkpoint\.json" in "bad\.zip" unpacks to \d+ KB, more than the 2 KB one file may have, so the import was stopped\. Choose a smaller checkpoint or model\.$/,
    );
  });

  it('weights whose shapes do not match the model its settings describe', async () => {
    const error = await refusal(bad(editManifest(good, (m) => (m.config.hidden = [16, 12]))));
    expect(error.code).toBe('model-shape');
    expect(error.message).toBe(
      'Tensor "param/dense1/kernel" in "bad.zip" is float32 of shape [16, 16], but an MLP with hidden layers [16, 12] for the classify2d demo needs float32 of shape [16, 12]. ' +
        'The weights do not belong to these settings, so the checkpoint cannot be imported; export it again from the playground.',
    );
  });

  it('a zip without checkpoint.json or model.json', async () => {
    const error = await refusal(bad(zipSync({ 'README.txt': strToU8('hello') })));
    expect(error.code).toBe('missing-entry');
    expect(error.message).toContain('holds neither checkpoint.json nor model.json');
  });

  it('malformed JSON', async () => {
    const zip = rezip(good, (entries) => {
      entries['checkpoint.json'] = entries['checkpoint.json'].subarray(0, 50);
    });
    const error = await refusal(bad(zip));
    expect(error.code).toBe('malformed-json');
    expect(error.message).toMatch(/^The file "checkpoint\.json" in "bad\.zip" is not valid JSON \(.+\); the file is damaged, so export or download it again\.$/);
  });

  it('a header with a field this version does not write', async () => {
    const error = await refusal(bad(editManifest(good, (m) => (m.tensors[0].extra = 1))));
    expect(error.code).toBe('schema');
    expect(error.message).toBe(
      'The file "checkpoint.json" in "bad.zip" is not a valid checkpoint header: it has a field "tensors.0.extra" that this version does not know. ' +
        'Export the checkpoint again from the playground.',
    );
  });

  it('a "__proto__" key, without touching any prototype', async () => {
    const zip = rezip(good, (entries) => {
      const text = strFromU8(entries['checkpoint.json']).replace('"metrics": {', '"metrics": { "__proto__": { "polluted": 1 },');
      entries['checkpoint.json'] = strToU8(text);
    });
    const error = await refusal(bad(zip));
    expect(error.code).toBe('unsafe-json');
    expect(error.message).toBe(
      'The file "checkpoint.json" in "bad.zip" contains a "__proto__" key, which no checkpoint or model file has; the file was altered, so it is refused.',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a chunk of the wrong size, a missing chunk, an inconsistent tensor table, bad settings and bad training state', async () => {
    const short = rezip(good, (entries) => {
      entries['chunks/0.bin'] = entries['chunks/0.bin'].subarray(8);
    });
    expect((await refusal(bad(short))).message).toBe(
      `The entry chunks/0.bin in "bad.zip" is 4088 bytes, but checkpoint.json lists 4096, so the file is damaged. Export the checkpoint again from the playground.`,
    );
    const missing = rezip(good, (entries) => {
      delete entries['chunks/1.bin'];
    });
    expect((await refusal(bad(missing))).message).toBe(
      `The file "bad.zip" lacks chunks/1.bin (chunk 2 of ${chunkCount}), which checkpoint.json lists, so the file is damaged. Export the checkpoint again from the playground.`,
    );
    expect((await refusal(bad(editManifest(good, (m) => (m.tensors[0].length += 4))))).code).toBe('layout');
    const config = await refusal(bad(editManifest(good, (m) => (m.config.learningRate = 99))));
    expect(config.code).toBe('config');
    expect(config.message).toBe(
      'The settings stored in "bad.zip" are not valid for this playground. Learning rate must be a number from 0.000001 to 10. ' +
        'The checkpoint may come from a newer playground; reload the page to update, then import it again.',
    );
    const state = await refusal(bad(editManifest(good, (m) => (m.state.progress.step = -1))));
    expect(state.code).toBe('state');
    expect(state.message).toMatch(/^The training state stored in "bad\.zip" is malformed \("progress\.step": .+\), so the run cannot be resumed\./);
  });

  it('the checkpoint header on its own, or a zip together with other files', async () => {
    const header = unzipSync(good)['checkpoint.json'];
    expect((await refusal([{ name: 'checkpoint.json', bytes: header }])).message).toBe(
      'The file "checkpoint.json" is only the header of a checkpoint; choose the whole .zip the playground exported.',
    );
    expect((await refusal([...bad(good), { name: 'model.json', bytes: header }])).code).toBe('mixed-files');
  });
});
