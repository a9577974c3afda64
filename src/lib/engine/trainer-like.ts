import type { TrainConfig } from './config.ts';
import type { CapturedState, Evaluation, KernelPath, TrainerProgress } from './trainer.ts';
import type { CharVocabJson } from '../text/data/char-vocab.ts';

/**
 * What a text run's checkpoint must hold besides tensors to be resumed and exported without
 * its original source: which text it learned, a hash of that text, the vocabulary, and for
 * the student's own text the text itself (the original file may be gone).
 */
export interface TextRunIdentity {
  dataset: string;
  /** TextDataset.fingerprint: a resumed name list that changed since is refused, not silently retrained. */
  fingerprint: string;
  vocab: CharVocabJson;
  /** Only for the `custom` dataset: the validated text, as the run trained on it. */
  customText?: string;
}

/** CapturedState plus the text identity of a text run. */
export interface RunState extends CapturedState {
  text?: TextRunIdentity;
}

/**
 * The surface the worker drives, shared by the Trainer (MLP and CNN demos) and the
 * TextTrainer. The training loop, the saver and the run opener see only this.
 */
export interface TrainerLike {
  readonly config: TrainConfig;
  readonly step: number;
  readonly epoch: number;
  readonly progress: Readonly<TrainerProgress>;
  readonly lossHistory: readonly number[];
  readonly learningRate: number;
  readonly pendingLossCount: number;
  readonly kernelPath: KernelPath;
  trainStep(): void;
  /** Resolves when the GPU has caught up with the steps queued so far (to within one submit); null when it has. Optional: only paths that queue GPU work far ahead need it. */
  gpuBacklog?(): Promise<void> | null;
  readLosses(): Promise<Float32Array>;
  evaluate(): Promise<{ evaluation: Evaluation; predicted?: Int32Array }>;
  captureState(): Promise<RunState>;
  warmUp(): Promise<void>;
  updateLiveSettings(next: TrainConfig): void;
  dispose(): void;
}
