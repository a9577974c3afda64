/**
 * The one message vocabulary between the page and the training worker. Every message is a
 * `type`-tagged object; the TrainerClient class on the page is the only sender of commands.
 */
import type { TrainConfig } from '../engine/config.ts';
import type { BackendChoice, BackendName, KernelChoice, TrainingPlacement } from '../engine/backend-names.ts';
import type { Evaluation } from '../engine/trainer.ts';
import type { CheckpointSummary, RunSummary, SaveProgress, SaveResult, UsageReport } from '../checkpoint/types.ts';
import type { CsvTable } from '../datasets/csv-table.ts';
import type { Standardisation } from '../datasets/csv-dataset.ts';

/**
 * Data of the student's own that a run trains on, checked where it entered the page; it never
 * goes in a link. `customText`: the text demo's own text (validateCustomText). `csv`: a CSV
 * table (buildCsvTable), for the 2D classification and curve demos.
 */
export interface OwnData {
  customText?: string;
  csv?: CsvTable;
}

/** Autosave interval until the page sends setAutosave, and the page's default for it. */
export const DEFAULT_AUTOSAVE_SECONDS = 30;

/** Why a checkpoint is being saved; shown in the status line. */
export type SaveReason = 'manual' | 'autosave' | 'pause' | 'hidden';

/** Page → worker. */
export type WorkerCommand =
  /** `requestedBecause` replaces "the URL asked for it" in the backend sentence (e.g. after a device loss). */
  | { type: 'init'; requestedBackend?: BackendName; requestedBecause?: string; mnistUrl: string; kernels?: KernelChoice }
  /** `customText` and `csv`: see OwnData; only the one the config's dataset uses is sent. */
  | ({ type: 'configure'; config: TrainConfig } & OwnData)
  /** The text demo's samples: what they continue and how boldly; a new sample follows at once. */
  | { type: 'setSampling'; prompt: string; temperature: number }
  | { type: 'train' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'reset' }
  | { type: 'setStopAt'; step: number }
  | { type: 'predict'; requestId: number; input: Float32Array }
  | { type: 'save'; reason: SaveReason }
  /** Seconds of training between autosaves; 0 turns the interval off (Pause still saves). */
  | { type: 'setAutosave'; seconds: number }
  /** Continue a saved run: its newest intact checkpoint, or the one named. */
  | { type: 'resume'; runId: string; checkpointId?: string; takeOver?: boolean }
  | { type: 'deleteCheckpoint'; checkpointId: string; runId: string }
  | { type: 'deleteRun'; runId: string }
  | { type: 'renameRun'; runId: string; name: string }
  /** Downloads a checkpoint as a .zip: the one named, or the current run's newest (saving first if needed). */
  | { type: 'export'; checkpointId?: string }
  /** Files the user picked or dropped: a checkpoint .zip, or a TensorFlow.js model.json with its .bin files. */
  | { type: 'import'; files: File[] }
  /** Destroys the WebGPU device, as a driver reset would; lets tests exercise device loss. */
  | { type: 'simulateDeviceLoss' }
  /** Reads stored runs' loss histories from their newest checkpoints, to draw them on one chart. */
  | { type: 'compare'; runIds: string[] };

/** What the page draws besides the loss curve; computed in the worker from one readback. */
export type Picture =
  /** `probabilities`: P(class 1) per cell, or with `classes` > 2 every class's probability per cell. */
  | { kind: 'boundary'; size: number; probabilities: Float32Array; classes?: number }
  /** A CSV classification with other than two features: the test set's confusion matrix. */
  | { kind: 'confusion'; confusion: Int32Array }
  | { kind: 'curve'; xs: Float32Array; ys: Float32Array }
  | { kind: 'digits'; confusion: Int32Array; sampleIndices: Int32Array; samplePredictions: Int32Array }
  /** The text demo: for toy tasks, held-out questions with the model's greedy answers. */
  | { kind: 'text'; answers: { prompt: string; answer: string; output: string; correct: boolean }[] };

/** Data the pictures need once per run: raw points and labels, or sample digit pixels. */
export interface RunData {
  trainPoints?: Float32Array;
  trainLabels?: Float32Array;
  testPoints?: Float32Array;
  testLabels?: Float32Array;
  /** Digits only: pixels (uint8, 784 each) and labels of the sample grid. */
  samplePixels?: Uint8Array;
  sampleLabels?: Uint8Array;
  /** Text only: characters per step (for tokens per second), the vocabulary's size, and the run's own text if it has one. */
  text?: { tokensPerStep: number; vocabSize: number; customText?: string };
  /** A CSV run: its table (so the page can start further runs on it) and the statistics it was standardised with. */
  csv?: { table: CsvTable; standardisation: Standardisation };
}

/** A stored run with its newest intact checkpoint and all its checkpoints, newest first. */
export interface RunListing {
  run: RunSummary;
  latest: CheckpointSummary | null;
  checkpoints: CheckpointSummary[];
}

/** One run of a comparison, as its newest intact checkpoint holds it. */
export interface ComparedRun {
  runId: string;
  name: string;
  /** Null when the run has no checkpoint to read; `problem` then says so. */
  config: TrainConfig | null;
  /** Per-step training loss, step 1 first. */
  losses: Float32Array;
  evaluations: Evaluation[];
  /** Why nothing can be drawn for this run, as a sentence; null when it can. */
  problem: string | null;
}

/** Worker → page. */
export type WorkerEvent =
  | { type: 'ready'; backend: BackendChoice }
  | {
      type: 'run';
      runId: string;
      runName: string;
      /** True when another tab trains this run: the page shows it without training controls. */
      readOnly: boolean;
      config: TrainConfig;
      step: number;
      epoch: number;
      lossHistory: Float32Array;
      evaluations: Evaluation[];
      data: RunData;
      paramCount: number;
      /** The backend and kernels this run trains with, and why when not the first choice. */
      training: TrainingPlacement;
    }
  /** A live setting changed (see LIVE_KEYS), or a curve run's points (then `data` has them); the run continues. */
  | { type: 'configured'; config: TrainConfig; data?: RunData }
  | {
      type: 'progress';
      /** Step reached after these losses. */
      step: number;
      epoch: number;
      /** Per-step losses since the previous progress event, oldest first. */
      losses: Float32Array;
      learningRate: number;
      stepsPerSec: number;
    }
  | { type: 'evaluation'; evaluation: Evaluation; picture: Picture }
  /** Text the text demo's model wrote at `step`, after `prompt`; `skipped`: prompt characters it does not know. */
  | { type: 'sample'; step: number; prompt: string; text: string; skipped: string[]; attention?: { chars: string[]; maps: number[][][][] } }
  | { type: 'state'; running: boolean; message?: string }
  | ({ type: 'saving' } & SaveProgress)
  | { type: 'saved'; checkpoint: SaveResult; reason: string }
  | { type: 'saveFailed'; message: string }
  | { type: 'lists'; runs: RunListing[]; currentRunId: string | null; checkpoints: CheckpointSummary[]; usage: UsageReport }
  /** Another tab holds this run's lock (or just took it over). */
  | { type: 'runLocked'; runId: string; message: string }
  | { type: 'deviceLost'; message: string }
  /** Something the user should know that is not an error (a fallback, a cleanup). */
  | { type: 'notice'; message: string }
  | { type: 'error'; message: string; key?: string }
  | { type: 'prediction'; requestId: number; output: Float32Array }
  /** The command posted with this `seq` has taken effect, or was refused (with a notice or error). */
  | { type: 'done'; seq: number }
  /** What the worker is waiting for before a run can train, e.g. "Compiling GPU shaders…"; null when ready. */
  | { type: 'loading'; message: string | null; progress?: number }
  | { type: 'exported'; fileName: string; bytes: Uint8Array }
  /** The answer to `compare`, in the order the run ids were given. */
  | { type: 'comparison'; runs: ComparedRun[] };

export type WorkerCommandOf<T extends WorkerCommand['type']> = Extract<WorkerCommand, { type: T }>;

/**
 * A command as posted: `seq`, when given, is echoed in a `done` event once the command has
 * taken effect (Pause: training has stopped; Save: the snapshot is taken; Step: its loss is
 * back; the rest: executed or refused). The page uses it to know what is still pending.
 */
export type PostedCommand = WorkerCommand & { seq?: number };

/** An error for the page's one message area; a field's error keeps the field's key. */
export function errorEvent(error: unknown): WorkerEvent {
  const key = (error as { key?: string }).key;
  return { type: 'error', message: error instanceof Error ? error.message : String(error), ...(key ? { key } : {}) };
}
