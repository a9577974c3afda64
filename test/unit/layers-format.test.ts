import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';
import { defaultConfig, type TrainConfig } from '../../src/lib/engine/config.ts';
import { predictOutputs } from '../../src/lib/models/forward.ts';
import { initialValues } from '../../src/lib/models/init.ts';
import type { TensorData } from '../../src/lib/checkpoint/types.ts';
import { CheckpointFileError, readCheckpointFiles, type NamedBytes } from '../../src/lib/share/checkpoint-file.ts';
import { modelFor } from '../../src/lib/share/demo-shapes.ts';
import { exportLayersModel } from '../../src/lib/share/layers-format.ts';
import { installFastCpuKernels } from '../../src/lib/models/cpu-kernels.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  installFastCpuKernels();
});

const SHARD = 'group1-shard1of1.bin';

/** Saves a stock tfjs model as tfjs' own browser download would: model.json + one .bin shard. */
async function saveStock(model: tf.LayersModel): Promise<{ json: Record<string, any>; bin: Uint8Array }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  const { modelTopology, format, generatedBy, convertedBy, weightSpecs, weightData } = saved!;
  const json = { modelTopology, format, generatedBy, convertedBy, weightsManifest: [{ paths: [`./${SHARD}`], weights: weightSpecs }] };
  return { json, bin: new Uint8Array(tf.io.CompositeArrayBuffer.join(weightData!)) };
}

const looseFiles = (json: object, bin: Uint8Array): NamedBytes[] => [
  { name: 'model.json', bytes: strToU8(JSON.stringify(json)) },
  { name: SHARD, bytes: bin },
];

/** The stock 2 → 8 → 2 softmax classifier a user would train in plain tfjs. */
function stockClassifier(inputs = 2, activation: 'relu' | 'tanh' = 'tanh'): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, activation, inputShape: [inputs] }),
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
}

async function refusal(files: NamedBytes[]): Promise<CheckpointFileError> {
  const error = await readCheckpointFiles(files).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointFileError);
  return error as CheckpointFileError;
}

/** Outputs of the app's own forward pass for a config and weights. */
async function appPredict(config: TrainConfig, weights: Float32Array[], inputs: tf.Tensor): Promise<Float32Array> {
  const { spec, params } = modelFor(config);
  const tensors = weights.map((w, i) => tf.tensor(w, params[i].shape));
  const out = predictOutputs(spec, tensors, inputs);
  const values = (await out.data()) as Float32Array;
  tf.dispose([...tensors, out]);
  return values;
}

describe('readCheckpointFiles on a plain TensorFlow.js Layers model', () => {
  it('imports a stock 2 → 8 → 2 softmax model as a 2D-points starting point that predicts the same', async () => {
    const model = stockClassifier();
    const { json, bin } = await saveStock(model);
    const imported = await readCheckpointFiles(looseFiles(json, bin));
    if (imported.kind !== 'layers-model') throw new Error('expected a layers model');

    expect(imported.config).toEqual({ ...defaultConfig('classify2d'), features: ['x', 'y'], hidden: [8], activation: 'tanh' });
    expect(imported.description).toBe('A dense network 2 → 8 → 2 with tanh hidden layers from "model.json", as the starting point of a new classify2d run.');
    const stockWeights = await Promise.all(model.getWeights().map((w) => w.data()));
    expect(imported.weights).toEqual(stockWeights);

    const inputs = tf.randomUniform([20, 2], -1, 1);
    const stockOut = model.predict(inputs) as tf.Tensor;
    const expected = (await stockOut.data()) as Float32Array;
    const actual = await appPredict(imported.config, imported.weights, inputs);
    expect(actual.reduce((m, x, i) => Math.max(m, Math.abs(x - expected[i])), 0)).toBeLessThanOrEqual(1e-6);
    tf.dispose([inputs, stockOut]);
    model.dispose();
  });

  it('reads the same model from a zip with model.json in a folder', async () => {
    const model = stockClassifier(3, 'relu');
    const { json, bin } = await saveStock(model);
    model.dispose();
    const zip = zipSync({ 'my-model/model.json': strToU8(JSON.stringify(json)), [`my-model/${SHARD}`]: bin });
    const imported = await readCheckpointFiles([{ name: 'my-model.zip', bytes: zip }]);
    if (imported.kind !== 'layers-model') throw new Error('expected a layers model');
    expect(imported.config.features).toEqual(['x', 'y', 'x2']);
    expect(imported.config.activation).toBe('relu');
  });

  it('imports a 1 → 4 → 1 linear model as a curve and a flattened 28×28 model as digits', async () => {
    const curve = tf.sequential({ layers: [tf.layers.dense({ units: 4, activation: 'sigmoid', inputShape: [1] }), tf.layers.dense({ units: 1 })] });
    const digits = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 16, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })],
    });
    for (const [model, demo, hidden] of [
      [curve, 'curve', [4]],
      [digits, 'digits', [16]],
    ] as const) {
      const { json, bin } = await saveStock(model);
      model.dispose();
      const imported = await readCheckpointFiles(looseFiles(json, bin));
      if (imported.kind !== 'layers-model') throw new Error('expected a layers model');
      expect(imported.config.demo).toBe(demo);
      expect(imported.config.hidden).toEqual(hidden);
    }
  });

  it('refuses a model whose input shape fits no demo, saying which shapes are accepted', async () => {
    const model = stockClassifier(9);
    const { json, bin } = await saveStock(model);
    model.dispose();
    const error = await refusal(looseFiles(json, bin));
    expect(error.code).toBe('model-shape');
    expect(error.message).toBe(
      'The model in "model.json" takes input [9] and gives 2 softmax outputs, which fits none of the demos. ' +
        'The playground accepts input [n] with n from 1 to 7 and 2 softmax outputs (2D points), input [1] with 1 linear output (curve), ' +
        'or input [784] or [28, 28, 1] with 10 softmax outputs (digits).',
    );
  });

  it('refuses digits without a Flatten layer, other layer types, mixed activations and missing or short weights', async () => {
    const unflattened = tf.sequential({
      layers: [tf.layers.dense({ units: 16, activation: 'relu', inputShape: [28, 28, 1] }), tf.layers.dense({ units: 10, activation: 'softmax' })],
    });
    const saved = await saveStock(unflattened);
    const dense0 = unflattened.layers[0].name;
    unflattened.dispose();
    expect((await refusal(looseFiles(saved.json, saved.bin))).message).toBe(
      `Layer "${dense0}" in "model.json" has a kernel of shape [1, 16], but the playground's digits model needs [784, 16] there, ` +
        'so the weights do not fit the network. Add a Flatten layer before the first Dense layer and save the model again.',
    );

    const normalized = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [2] }), tf.layers.batchNormalization({ name: 'norm' }), tf.layers.dense({ units: 2, activation: 'softmax' })] });
    const withNorm = await saveStock(normalized);
    normalized.dispose();
    const layerError = await refusal(looseFiles(withNorm.json, withNorm.bin));
    expect(layerError.code).toBe('unsupported-model');
    expect(layerError.message).toBe('Layer "norm" in "model.json" is a BatchNormalization layer; only Dense, Dropout, Flatten and InputLayer layers can be imported.');

    const mixed = tf.sequential({
      layers: [tf.layers.dense({ units: 8, activation: 'relu', inputShape: [2] }), tf.layers.dense({ units: 8, activation: 'tanh' }), tf.layers.dense({ units: 2, activation: 'softmax' })],
    });
    const withMixed = await saveStock(mixed);
    mixed.dispose();
    expect((await refusal(looseFiles(withMixed.json, withMixed.bin))).message).toBe(
      'The hidden layers in "model.json" use different activations (relu, tanh), but the playground uses one activation for all of them.',
    );

    const model = stockClassifier();
    const { json, bin } = await saveStock(model);
    model.dispose();
    const missing = await refusal([{ name: 'model.json', bytes: strToU8(JSON.stringify(json)) }]);
    expect(missing.message).toBe(`The weights file "./${SHARD}" that "model.json" lists was not found; choose model.json together with all of its .bin files.`);
    const short = await refusal(looseFiles(json, bin.subarray(0, bin.length - 4)));
    expect(short.code).toBe('weights-size');
    expect(short.message).toBe(
      `The weights files of "model.json" hold ${bin.length - 4} bytes, but model.json lists ${bin.length}; a .bin file is missing, cut short or belongs to another model. Choose the complete, matching files.`,
    );
  });
});

describe('exportLayersModel', () => {
  async function exported(config: TrainConfig) {
    const { params } = modelFor(config);
    const values = initialValues(params, 3);
    const tensors: TensorData[] = params.map((p, i) => ({ name: `param/${p.name}`, dtype: 'float32', shape: p.shape, values: values[i] }));
    return { values, files: await exportLayersModel(config, tensors) };
  }

  it('writes the CNN as Conv2D/MaxPooling2D blocks, Flatten and Dense layers named like our parameters', async () => {
    const config: TrainConfig = { ...defaultConfig('digits'), model: 'cnn', dropout: 0.25 };
    const { files } = await exported(config);
    const layers = (files.modelJson.modelTopology as any).config.layers as { class_name: string; config: Record<string, any> }[];
    expect(layers.map((l) => `${l.class_name}:${l.config.name}`)).toEqual([
      'Conv2D:conv0',
      'MaxPooling2D:pool0',
      'Conv2D:conv1',
      'MaxPooling2D:pool1',
      'Flatten:flatten',
      'Dense:dense0',
      'Dropout:dropout0',
      'Dense:dense1',
    ]);
    expect(layers[0].config).toMatchObject({ filters: 8, kernel_size: [3, 3], padding: 'same', activation: 'relu', batch_input_shape: [null, 28, 28, 1] });
    expect(layers.at(-1)!.config.activation).toBe('softmax');
    expect(files.modelJson.weightsManifest).toEqual([{ paths: ['weights.bin'], weights: expect.any(Array) }]);
    expect(files.modelJson.weightsManifest[0].weights.map((w) => [w.name, w.shape])).toEqual(modelFor(config).params.map((p) => [p.name, p.shape]));
  });

  it('writes an MLP that reads back bit-exactly as a Layers model, with tf.memory().numTensors flat', async () => {
    const config: TrainConfig = { ...defaultConfig('classify2d'), hidden: [5, 4], activation: 'sigmoid', dropout: 0.1 };
    const before = tf.memory().numTensors;
    const { values, files } = await exported(config);
    const imported = await readCheckpointFiles([
      { name: 'model.json', bytes: strToU8(JSON.stringify(files.modelJson)) },
      { name: 'weights.bin', bytes: files.weights },
    ]);
    expect(tf.memory().numTensors).toBe(before);
    if (imported.kind !== 'layers-model') throw new Error('expected a layers model');
    expect(imported.config).toEqual({ ...defaultConfig('classify2d'), hidden: [5, 4], activation: 'sigmoid' });
    expect(imported.weights).toEqual(values);
  });
});
