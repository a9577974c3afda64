/**
 * Reads a plain TensorFlow.js Layers model (model.json + .bin shards, from tfjs or from the
 * tensorflowjs converter) as the starting point of a new run. Only Sequential stacks of Dense
 * layers whose input and output fit one of the demos are accepted.
 */
import * as v from 'valibot';
import { ACTIVATIONS, defaultConfig, FEATURES, parseConfig, type Activation, type DemoKind, type TrainConfig } from '../engine/config.ts';
import { ConfigError } from '../engine/errors.ts';
import { modelFor } from './demo-shapes.ts';
import { CheckpointFileError, formatShape } from './import-errors.ts';
import { parseJsonFile, parseWithSchema } from './json-file.ts';

export interface LayersModelImport {
  /** The demo's defaultConfig with the model's hidden units and activation. */
  config: TrainConfig;
  /** Weights in paramSpecs() order. */
  weights: Float32Array[];
  /** One sentence for the page about what was imported. */
  description: string;
}

const ACCEPTED =
  'The playground accepts input [n] with n from 1 to 7 and 2 softmax outputs (2D points), input [1] with 1 linear output (curve), ' +
  'or input [784] or [28, 28, 1] with 10 softmax outputs (digits).';
const SCHEMA_ADVICE = 'Choose a model.json written by TensorFlow.js or by the tensorflowjs converter.';

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const LayerSchema = v.looseObject({ class_name: v.string(), config: v.looseObject({ name: v.optional(v.string()) }) });
// Other fields (initializers, regularizers, Keras metadata) do not change the forward pass and are ignored.
const ModelJsonSchema = v.looseObject({
  format: v.optional(v.string()),
  modelTopology: v.looseObject({ class_name: v.optional(v.string()), config: v.optional(v.unknown()), model_config: v.optional(v.unknown()) }),
  weightsManifest: v.array(
    v.looseObject({
      paths: v.array(v.string()),
      weights: v.array(v.looseObject({ name: v.string(), shape: v.array(count), dtype: v.optional(v.string()), quantization: v.optional(v.unknown()) })),
    }),
  ),
});
// Keras 2 saves `config: { layers }`, very old Keras a bare array of layers.
const SequentialSchema = v.looseObject({
  class_name: v.string(),
  config: v.union([v.array(LayerSchema), v.looseObject({ layers: v.array(LayerSchema) })]),
});
const DenseConfigSchema = v.looseObject({
  name: v.string(),
  units: v.pipe(count, v.minValue(1)),
  activation: v.optional(v.string(), 'linear'),
  use_bias: v.optional(v.boolean(), true),
});
// tfjs and Keras 2 write batch_input_shape on the first layer; Keras 3's InputLayer writes batch_shape.
const InputShapeSchema = v.tupleWithRest([v.null()], v.pipe(v.number(), v.integer(), v.minValue(1)));

type Dense = v.InferOutput<typeof DenseConfigSchema>;

/**
 * `readFile` returns a file that model.json's weightsManifest names (a path relative to
 * model.json), or undefined when it was not chosen. `where` names model.json in messages.
 */
export function readLayersModel(modelJsonBytes: Uint8Array, where: string, readFile: (path: string) => Uint8Array | undefined): LayersModelImport {
  const json = parseWithSchema(ModelJsonSchema, parseJsonFile(modelJsonBytes, where), where, 'a TensorFlow.js model.json', SCHEMA_ADVICE);
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw unsupported(`The file ${where} is a TensorFlow.js ${json.format}, not a Layers model. Convert the Keras model with --output_format tfjs_layers_model and choose that model.json.`);
  }
  const topology = parseWithSchema(SequentialSchema, json.modelTopology.model_config ?? json.modelTopology, where, 'a Keras model topology', SCHEMA_ADVICE);
  if (topology.class_name !== 'Sequential') {
    throw unsupported(`The model in ${where} is a ${topology.class_name} model; only Sequential models of Dense layers can be imported.`);
  }
  const layers = Array.isArray(topology.config) ? topology.config : topology.config.layers;

  const inputShape = readInputShape(layers[0]?.config, where);
  const dense: Dense[] = [];
  for (const layer of layers) {
    if (['InputLayer', 'Flatten', 'Dropout'].includes(layer.class_name)) continue;
    if (layer.class_name !== 'Dense') {
      throw unsupported(`Layer "${layer.config.name ?? '?'}" in ${where} is a ${layer.class_name} layer; only Dense, Dropout, Flatten and InputLayer layers can be imported.`);
    }
    const config = parseWithSchema(DenseConfigSchema, layer.config, where, 'a model with valid Dense layers', SCHEMA_ADVICE);
    if (!config.use_bias) throw unsupported(`Layer "${config.name}" in ${where} has no bias, but every dense layer of the playground has one; add a bias and save the model again.`);
    dense.push(config);
  }
  const output = dense.at(-1);
  if (!output) throw unsupported(`The model in ${where} has no Dense layer, so there are no weights to import. ${ACCEPTED}`);

  const demo = matchDemo(inputShape, output);
  if (!demo) {
    throw new CheckpointFileError('model-shape', `The model in ${where} takes input ${formatShape(inputShape)} and gives ${output.units} ${output.activation} outputs, which fits none of the demos. ${ACCEPTED}`);
  }
  const config = configFor(demo, inputShape, dense.slice(0, -1), where);
  const weights = readDenseWeights(json.weightsManifest, dense, config, where, readFile);
  const sizes = [inputShape.reduce((a, b) => a * b, 1), ...dense.map((d) => d.units)].join(' → ');
  const hidden = dense.length > 1 ? ` with ${config.activation} hidden layers` : '';
  return { config, weights, description: `A dense network ${sizes}${hidden} from ${where}, as the starting point of a new ${demo} run.` };
}

function readInputShape(config: Record<string, unknown> | undefined, where: string): number[] {
  const parsed = v.safeParse(InputShapeSchema, config?.batch_input_shape ?? config?.batch_shape);
  if (!parsed.success) {
    throw unsupported(`The first layer in ${where} does not state the model's input shape (batch_input_shape); save the model after building it with an input shape.`);
  }
  const [, ...shape] = parsed.output;
  return shape;
}

function matchDemo(inputShape: number[], output: Dense): DemoKind | null {
  const shape = formatShape(inputShape);
  if (output.units === 2 && output.activation === 'softmax' && inputShape.length === 1 && inputShape[0] <= FEATURES.length) return 'classify2d';
  if (output.units === 1 && output.activation === 'linear' && shape === '[1]') return 'curve';
  if (output.units === 10 && output.activation === 'softmax' && (shape === '[784]' || shape === '[28, 28, 1]')) return 'digits';
  return null;
}

function configFor(demo: DemoKind, inputShape: number[], hidden: Dense[], where: string): TrainConfig {
  const activations = [...new Set(hidden.map((d) => d.activation))];
  if (activations.length > 1) {
    throw unsupported(`The hidden layers in ${where} use different activations (${activations.join(', ')}), but the playground uses one activation for all of them.`);
  }
  const base = defaultConfig(demo);
  const activation = activations[0] ?? base.activation;
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw unsupported(`The hidden layers in ${where} use the activation "${activation}"; the playground supports ${ACTIVATIONS.join(', ')}.`);
  }
  const features = demo === 'classify2d' ? FEATURES.slice(0, inputShape[0]) : base.features;
  try {
    return parseConfig({ ...base, features, hidden: hidden.map((d) => d.units), activation: activation as Activation });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw unsupported(`The model in ${where} does not fit the playground: ${error.message}`, error);
  }
}

/** Decodes every weight group as tfjs does (shards concatenated, weights back to back), then picks the dense layers' weights. */
function readDenseWeights(
  manifest: v.InferOutput<typeof ModelJsonSchema>['weightsManifest'],
  dense: Dense[],
  config: TrainConfig,
  where: string,
  readFile: (path: string) => Uint8Array | undefined,
): Float32Array[] {
  const byName = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const group of manifest) {
    const shards = group.paths.map((path) => {
      const bytes = readFile(path);
      if (!bytes) {
        throw new CheckpointFileError('missing-entry', `The weights file "${path}" that ${where} lists was not found; choose model.json together with all of its .bin files.`);
      }
      return bytes;
    });
    const data = concatBytes(shards);
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.quantization !== undefined || (spec.dtype ?? 'float32') !== 'float32') {
        throw unsupported(`The weight "${spec.name}" in ${where} is ${spec.quantization ? 'quantized' : spec.dtype}; only float32 weights can be imported, so convert the model without quantization.`);
      }
      const length = spec.shape.reduce((a, b) => a * b, 1) * 4;
      // slice() copies, so the Float32Array is aligned whatever the offset.
      if (offset + length <= data.length) byName.set(spec.name, { shape: spec.shape, values: new Float32Array(data.slice(offset, offset + length).buffer) });
      offset += length;
    }
    if (offset !== data.length) {
      throw new CheckpointFileError(
        'weights-size',
        `The weights files of ${where} hold ${data.length} bytes, but model.json lists ${offset}; a .bin file is missing, cut short or belongs to another model. Choose the complete, matching files.`,
      );
    }
  }

  const { params } = modelFor(config);
  return params.map((p, i) => {
    const layer = dense[Math.floor(i / 2)].name;
    const role = p.role;
    const weight = byName.get(`${layer}/${role}`) ?? findBySuffix(byName, `/${layer}/${role}`);
    if (!weight) throw new CheckpointFileError('missing-entry', `The weights of ${where} have no ${role} for layer "${layer}"; save the model again with its weights.`);
    if (formatShape(weight.shape) !== formatShape(p.shape)) {
      throw new CheckpointFileError(
        'model-shape',
        `Layer "${layer}" in ${where} has a ${role} of shape ${formatShape(weight.shape)}, but the playground's ${config.demo} model needs ${formatShape(p.shape)} there, ` +
          `so the weights do not fit the network.${config.demo === 'digits' ? ' Add a Flatten layer before the first Dense layer and save the model again.' : ''}`,
      );
    }
    return weight.values;
  });
}

/** Keras 3 may prefix weight names with the model's name; accept one unambiguous match. */
function findBySuffix<T>(byName: Map<string, T>, suffix: string): T | undefined {
  const matches = [...byName.keys()].filter((name) => name.endsWith(suffix));
  return matches.length === 1 ? byName.get(matches[0]) : undefined;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function unsupported(message: string, cause?: unknown): CheckpointFileError {
  return new CheckpointFileError('unsupported-model', message, { cause });
}
