/**
 * Writes a checkpoint's network as a TensorFlow.js Layers model (model.json + weights.bin),
 * so it loads with stock tf.loadLayersModel() and converts to Keras with tensorflowjs_converter.
 * The model is built with tfjs itself and saved through a save handler, so the JSON is exactly
 * what tfjs writes; only the weights come from the checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../engine/config.ts';
import type { TensorData } from '../checkpoint/types.ts';
import type { ModelSpec } from '../models/spec.ts';
import { modelFor } from './demo-shapes.ts';
import type { CsvShape } from '../datasets/registry.ts';
import { formatShape } from './import-errors.ts';

/** The Layers model's topology and weight table, as tfjs names it. */
export const MODEL_FILE = 'model.json';
/** What model.json's weightsManifest points at, relative to model.json. */
export const WEIGHTS_FILE = 'weights.bin';

export interface LayersModelFiles {
  /** The parsed contents of model.json, as tfjs' own browser download writes it. */
  modelJson: tf.io.ModelJSON;
  /** weights.bin: every weight in weightsManifest order, float32 little-endian. */
  weights: Uint8Array;
}

/**
 * Builds the tf.sequential equivalent of the config's model, sets its weights from the
 * `param/*` tensors and saves it. Everything created here is disposed before it returns.
 */
export async function exportLayersModel(config: TrainConfig, tensors: readonly TensorData[], csv?: CsvShape): Promise<LayersModelFiles> {
  const { spec, params } = modelFor(config, csv);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  // Checked up front so a mismatch reads as a sentence instead of a tfjs ValueError.
  for (const p of params) {
    const tensor = byName.get(`param/${p.name}`);
    if (!tensor || formatShape(tensor.shape) !== formatShape(p.shape)) {
      throw new Error(`The checkpoint's "param/${p.name}" ${tensor ? `has shape ${formatShape(tensor.shape)}` : 'is missing'}, but its model needs ${formatShape(p.shape)}, so it cannot be exported.`);
    }
  }

  const model = buildSequential(spec, config.dropout);
  try {
    for (const layer of model.layers) {
      if (layer.weights.length === 0) continue;
      // Layer names equal our parameter prefixes (dense0, conv1, ...), so weights match by name.
      const values = ['kernel', 'bias'].map((role) => {
        const t = byName.get(`param/${layer.name}/${role}`)!;
        return tf.tensor(t.values, t.shape, 'float32');
      });
      try {
        layer.setWeights(values);
      } finally {
        tf.dispose(values);
      }
    }
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    const artifacts = saved!;
    return {
      modelJson: {
        modelTopology: artifacts.modelTopology!,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs! }],
      },
      weights: new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData!)),
    };
  } finally {
    model.dispose();
  }
}

/**
 * The same network as forward() in models/forward.ts, as Keras layers. Dropout is the
 * identity at inference, so predictions match the app's exactly; the last layer applies the
 * softmax that predictOutputs() adds to the logits.
 */
function buildSequential(spec: ModelSpec, dropout: number): tf.Sequential {
  const layers: tf.layers.Layer[] = [];
  // Only the first layer declares the input shape; Keras infers the rest.
  const input = () => (layers.length === 0 ? { inputShape: spec.inputShape } : {});

  if (spec.kind === 'cnn') {
    spec.filters.forEach((filters, i) => {
      layers.push(tf.layers.conv2d({ name: `conv${i}`, filters, kernelSize: spec.kernelSize, padding: 'same', activation: 'relu', ...input() }));
      layers.push(tf.layers.maxPooling2d({ name: `pool${i}`, poolSize: 2, strides: 2, padding: 'valid' }));
    });
  }
  if (spec.inputShape.length > 1) layers.push(tf.layers.flatten({ name: 'flatten', ...input() }));
  spec.hidden.forEach((units, i) => {
    layers.push(tf.layers.dense({ name: `dense${i}`, units, activation: spec.activation, ...input() }));
    if (dropout > 0) layers.push(tf.layers.dropout({ name: `dropout${i}`, rate: dropout }));
  });
  const activation = spec.outputs > 1 ? 'softmax' : 'linear';
  layers.push(tf.layers.dense({ name: `dense${spec.hidden.length}`, units: spec.outputs, activation, ...input() }));
  return tf.sequential({ name: 'playground', layers });
}
