/**
 * The one message vocabulary between the page and the training worker. Every message is a
 * `type`-tagged object; the TrainerClient class on the page is the only sender of commands.
 */
import type { TrainConfig } from '../engine/config.ts';
import type { BackendChoice, BackendName } from '../engine/backend-names.ts';
import type { Evaluation } from '../engine/trainer.ts';

/** Page → worker. */
export type WorkerCommand =
  | { type: 'init'; requestedBackend?: BackendName; mnistUrl: string }
  | { type: 'configure'; config: TrainConfig }
  | { type: 'train' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'reset' }
  | { type: 'setStopAt'; step: number }
  | { type: 'predict'; requestId: number; input: Float32Array };

/** What the page draws besides the loss curve; computed in the worker from one readback. */
export type Picture =
  | { kind: 'boundary'; size: number; probabilities: Float32Array }
  | { kind: 'curve'; xs: Float32Array; ys: Float32Array }
  | { kind: 'digits'; confusion: Int32Array; sampleIndices: Int32Array; samplePredictions: Int32Array };

/** Data the pictures need once per run: raw points and labels, or sample digit pixels. */
export interface RunData {
  trainPoints?: Float32Array;
  trainLabels?: Float32Array;
  testPoints?: Float32Array;
  testLabels?: Float32Array;
  /** Digits only: pixels (uint8, 784 each) and labels of the sample grid. */
  samplePixels?: Uint8Array;
  sampleLabels?: Uint8Array;
}

/** Worker → page. */
export type WorkerEvent =
  | { type: 'ready'; backend: BackendChoice }
  | { type: 'run'; config: TrainConfig; step: number; lossHistory: Float32Array; evaluations: Evaluation[]; data: RunData; paramCount: number }
  /** A live setting changed (see LIVE_KEYS); the run continues. */
  | { type: 'configured'; config: TrainConfig }
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
  | { type: 'state'; running: boolean; message?: string }
  | { type: 'error'; message: string; key?: string }
  | { type: 'prediction'; requestId: number; output: Float32Array };

export type WorkerEventOf<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;
