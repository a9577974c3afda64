import type { TrainConfig } from '../engine/config.ts';
import { Trainer } from '../engine/trainer.ts';
import type { TrainerLike } from '../engine/trainer-like.ts';
import { TextTrainer } from '../text/text-trainer.ts';
import { EXTENT, toFeatures } from '../datasets/points2d.ts';
import { X_EXTENT } from '../datasets/sine.ts';
import { CSV_PICTURE_SCALE } from '../datasets/csv-dataset.ts';
import { confusionMatrix } from '../engine/metrics.ts';
import type { Picture, WorkerEvent } from './protocol.ts';

/** Resolution of the decision-boundary heatmap (cells per side). */
export const BOUNDARY_SIZE = 48;
/** Points on the fitted curve. */
export const CURVE_POINTS = 121;
/** Test digits shown with their predictions. */
export const DIGIT_SAMPLES = 24;

/**
 * Network inputs for the heatmap's cell centres, row 0 at the top (y = +EXTENT). A CSV run's
 * two standardised features span the picture at CSV_PICTURE_SCALE, as its points do.
 */
export function boundaryGridInputs(config: TrainConfig): Float32Array {
  const points = new Float32Array(BOUNDARY_SIZE * BOUNDARY_SIZE * 2);
  for (let row = 0; row < BOUNDARY_SIZE; row++) {
    for (let col = 0; col < BOUNDARY_SIZE; col++) {
      const i = row * BOUNDARY_SIZE + col;
      points[2 * i] = -EXTENT + ((col + 0.5) / BOUNDARY_SIZE) * 2 * EXTENT;
      points[2 * i + 1] = EXTENT - ((row + 0.5) / BOUNDARY_SIZE) * 2 * EXTENT;
    }
  }
  return config.dataset === 'csv' ? points.map((v) => v / CSV_PICTURE_SCALE) : toFeatures(points, config.features);
}

export function curveXs(): Float32Array {
  return Float32Array.from({ length: CURVE_POINTS }, (_, i) => -X_EXTENT + (2 * X_EXTENT * i) / (CURVE_POINTS - 1));
}

/** Computes the demo's picture from the current weights. */
export async function drawPicture(trainer: TrainerLike, predicted: Int32Array | undefined, gridInputs: Float32Array | null): Promise<Picture> {
  // The text demo's answers were computed by its evaluation; its samples come as their own events.
  if (trainer instanceof TextTrainer) return { kind: 'text', answers: trainer.toyAnswers };
  if (!(trainer instanceof Trainer)) throw new Error('This trainer has no picture; give drawPicture a branch for it.');
  const { config, dataset } = trainer;
  const classes = dataset.classes;
  if (config.demo === 'classify2d' && gridInputs) {
    const probabilities = await trainer.predict(gridInputs);
    // Two classes: P(class 1) per cell is enough to colour it.
    if (classes === 2) return { kind: 'boundary', size: BOUNDARY_SIZE, probabilities: probabilities.filter((_, i) => i % 2 === 1) };
    return { kind: 'boundary', size: BOUNDARY_SIZE, probabilities, classes };
  }
  if (config.demo === 'curve') {
    const xs = curveXs();
    // A CSV run's input is already standardised, and the picture spans ±3 standard deviations.
    return { kind: 'curve', xs, ys: await trainer.predict(config.dataset === 'csv' ? xs : xs.map((x) => x / X_EXTENT)) };
  }
  if (config.demo === 'classify2d') return { kind: 'confusion', confusion: confusionMatrix(predicted ?? new Int32Array(dataset.testY.length), dataset.testY, classes) };
  const labels = dataset.testY;
  const guesses = predicted ?? new Int32Array(labels.length);
  const sampleIndices = Int32Array.from({ length: Math.min(DIGIT_SAMPLES, labels.length) }, (_, i) => i);
  return {
    kind: 'digits',
    confusion: confusionMatrix(guesses, labels, classes),
    sampleIndices,
    samplePredictions: sampleIndices.map((i) => guesses[i]),
  };
}

/** Evaluates the run on screen and draws its picture; keeps the heatmap's grid between calls. */
export class RunPictures {
  #gridInputs: Float32Array | null = null;

  /** A new run: the 2D demo's heatmap grid depends on its input features; a CSV run has one only with two features. */
  prepare(trainer: TrainerLike): void {
    const { config } = trainer;
    const twoD = config.demo === 'classify2d' && (config.dataset !== 'csv' || (trainer instanceof Trainer && trainer.dataset.inputShape[0] === 2));
    this.#gridInputs = twoD ? boundaryGridInputs(config) : null;
  }

  /** The outputs for a drawn digit (or any input rows), posted as `prediction` with the request's id. */
  async predict(trainer: TrainerLike | null, requestId: number, input: Float32Array, post: (event: WorkerEvent, transfer?: Transferable[]) => void): Promise<void> {
    if (!(trainer instanceof Trainer)) return;
    const output = await trainer.predict(input);
    post({ type: 'prediction', requestId, output }, [output.buffer]);
  }

  /** The test loss (recorded in the trainer's progress) and the picture, as the page's event. */
  async evaluate(trainer: TrainerLike): Promise<Extract<WorkerEvent, { type: 'evaluation' }>> {
    const { evaluation, predicted } = await trainer.evaluate();
    return { type: 'evaluation', evaluation, picture: await drawPicture(trainer, predicted, this.#gridInputs) };
  }
}
