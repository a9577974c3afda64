/** The tensor dtypes a checkpoint stores. */
export type TensorDType = 'float32' | 'int32';

/** One tensor's values, already read back from the device. */
export interface TensorData {
  /** Stable name, e.g. "param/dense0/kernel" or "optimizer/slot3". */
  name: string;
  dtype: TensorDType;
  shape: number[];
  values: Float32Array | Int32Array;
}

/** What the trainer hands to save(): the whole training state at one step boundary. */
export interface CheckpointInput {
  runId: string;
  /** Human name of the run, stored on the run record. */
  runName?: string;
  step: number;
  /** Loss that ranks checkpoints for "best" (lower is better). */
  loss: number;
  /** The run's TrainConfig, as JSON. */
  config: unknown;
  /** Latest metrics, e.g. { trainLoss, testLoss, testAccuracy }. */
  metrics: Record<string, number>;
  /** Trainer state that is not tensors (progress, backend, ...), as JSON. */
  state: unknown;
  tensors: TensorData[];
}
