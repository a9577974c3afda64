import * as tf from '@tensorflow/tfjs';
import * as v from 'valibot';
import { parseConfig, type TrainConfig } from '../engine/config.ts';
import type { Evaluation, TrainerProgress } from '../engine/trainer.ts';
import type { RunState } from '../engine/trainer-like.ts';
import { CUSTOM_TEXT_MAX_BYTES } from '../text/data/custom-text.ts';
import { BACKENDS, type BackendName } from '../engine/backend-names.ts';
import { snapshotTensors } from './snapshot.ts';
import type { CheckpointInput, LoadedCheckpoint } from './types.ts';
import { CsvIdentitySchema, csvDataProblem, csvFromCheckpoint, csvToCheckpoint, isCsvTensor } from './csv-state.ts';

/**
 * How a training state maps onto a checkpoint. Tensors: `param/<layer>/<kernel|bias>`,
 * `optimizer/*` (iterations, every slot, Adam's beta powers) and `history/loss` (the
 * per-step training loss), and for a CSV run `data/x` and `data/y` (see csv-state.ts). JSON: the
 * TrainConfig as `config`, and TrainingStateJson as `state`.
 */
export const TRAINING_STATE_VERSION = 1;
const HISTORY_TENSOR = 'history/loss';

const u32 = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 32 - 1));
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const EvaluationSchema = v.object({ step: count, testLoss: v.number(), testAccuracy: v.optional(v.number()) });

/**
 * A text run's data identity (see TextRunIdentity): the dataset, its fingerprint, the
 * vocabulary (CharVocab.fromJSON checks it fully) and, for the student's own text, the text.
 */
const TextIdentitySchema = v.object({
  dataset: v.string('The text part of the training state must name its dataset.'),
  fingerprint: v.pipe(v.string(), v.regex(/^[0-9a-f]{8}$/, 'The text fingerprint must be 8 hexadecimal digits.')),
  vocab: v.object({ version: v.literal(1, 'The vocabulary must be version 1.'), chars: v.array(v.string(), 'The vocabulary must list its characters.') }),
  customText: v.optional(v.pipe(v.string(), v.maxLength(CUSTOM_TEXT_MAX_BYTES, 'The stored text is longer than the 5 MB limit.'))),
});

/** The non-tensor part of the training state, validated whenever it is read back. */
export const TrainingStateSchema = v.object({
  version: v.literal(TRAINING_STATE_VERSION, 'This checkpoint holds training state of an unknown version; update the app to resume it.'),
  backend: v.picklist(BACKENDS),
  progress: v.object({
    step: count,
    epoch: count,
    cursor: count,
    epochRngState: v.tuple([u32, u32, u32, u32]),
    evaluations: v.array(EvaluationSchema),
  }),
  /** Text runs only; optional, so checkpoints of the other demos are unchanged. */
  text: v.optional(TextIdentitySchema),
  /** CSV runs only: the file's column and class names and the standardisation. */
  csv: v.optional(CsvIdentitySchema),
});
export type TrainingStateJson = v.InferOutput<typeof TrainingStateSchema>;

export interface CheckpointMeta {
  runId: string;
  runName: string;
  config: TrainConfig;
  backend: BackendName;
}

/** Reads the captured clones (async, off the step path) and builds what the store saves. */
export async function toCheckpointInput(captured: RunState, meta: CheckpointMeta): Promise<CheckpointInput> {
  const tensors = await snapshotTensors(captured.tensors);
  tensors.push({ name: HISTORY_TENSOR, dtype: 'float32', shape: [captured.lossHistory.length], values: captured.lossHistory });
  const evaluations = captured.progress.evaluations;
  const latest: Evaluation | undefined = evaluations.at(-1);
  const recent = captured.lossHistory.subarray(Math.max(0, captured.lossHistory.length - 20));
  const trainLoss = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN;
  const metrics: Record<string, number> = { trainLoss };
  if (latest) {
    metrics.testLoss = latest.testLoss;
    if (latest.testAccuracy !== undefined) metrics.testAccuracy = latest.testAccuracy;
  }
  const state: TrainingStateJson = { version: TRAINING_STATE_VERSION, backend: meta.backend, progress: captured.progress };
  if (captured.text) state.text = captured.text;
  if (captured.csv) {
    const csv = csvToCheckpoint(captured.csv);
    state.csv = csv.identity;
    tensors.push(...csv.tensors);
  }
  return {
    runId: meta.runId,
    runName: meta.runName,
    step: captured.progress.step,
    // "Best" ranks by held-out loss when there is one: that is what generalises.
    loss: latest?.testLoss ?? trainLoss,
    config: meta.config,
    metrics,
    state,
    tensors,
  };
}

export interface RestorableState {
  config: TrainConfig;
  backend: BackendName;
  /** Tensors are fresh; dispose them once the trainer is restored. */
  captured: RunState;
}

/** Validates a loaded checkpoint and turns it back into what Trainer.restore() takes. */
export function fromCheckpoint(loaded: LoadedCheckpoint): RestorableState {
  const config = parseConfig(loaded.manifest.config);
  const parsed = v.safeParse(TrainingStateSchema, loaded.manifest.state);
  if (!parsed.success) {
    throw new Error(`The checkpoint's training state is malformed (${parsed.issues[0].message}); it cannot be resumed.`);
  }
  const csvProblem = csvDataProblem(config, parsed.output.csv, loaded.tensors);
  if (csvProblem) throw new Error(`The checkpoint cannot be resumed: ${csvProblem}.`);
  const history = loaded.tensors.find((t) => t.name === HISTORY_TENSOR);
  const tensors = loaded.tensors
    .filter((t) => t.name !== HISTORY_TENSOR && !isCsvTensor(t.name))
    .map((t) => ({ name: t.name, tensor: tf.tensor(t.values, t.shape, t.dtype) }));
  return {
    config,
    backend: parsed.output.backend,
    captured: {
      progress: parsed.output.progress as TrainerProgress,
      lossHistory: history ? Float32Array.from(history.values) : new Float32Array(0),
      tensors,
      ...(parsed.output.text ? { text: parsed.output.text } : {}),
      ...(parsed.output.csv ? { csv: csvFromCheckpoint(parsed.output.csv, loaded.tensors) } : {}),
    },
  };
}
