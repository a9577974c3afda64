import type { TrainConfig } from '../engine/config.ts';
import { Trainer } from '../engine/trainer.ts';
import type { TrainerLike } from '../engine/trainer-like.ts';
import { TextTrainer } from '../text/text-trainer.ts';
import { EXTENT, toFeatures } from '../datasets/points2d.ts';
import { X_EXTENT } from '../datasets/sine.ts';
import { confusionMatrix } from '../engine/metrics.ts';
import type { Picture, WorkerEvent } from './protocol.ts';

/** Resolution of the decision-boundary heatmap (cells per side). */
export const BOUNDARY_SIZE = 48;
/** Points on the fitted curve. */
export const CURVE_POINTS = 121;
/** Test digits shown with their predictions. */
export const DIGIT_SAMPLES = 24;

/** Network inputs for the heatmap's cell centres, row 0 at the top (y = +EXTENT). */
export function boundaryGridInputs(config: TrainConfig): Float32Array {
  const points = new Float32Array(BOUNDARY_SIZE * BOUNDARY_SIZE * 2);
  for (let row = 0; row < BOUNDARY_SIZE; row++) {
    for (let col = 0; col < BOUNDARY_SIZE; col++) {
      const i = row * BOUNDARY_SIZE + col;
      points[2 * i] = -EXTENT + ((col + 0.5) / BOUNDARY_SIZE) * 2 * EXTENT;
      points[2 * i + 1] = EXTENT - ((row + 0.5) / BOUNDARY_SIZE) * 2 * EXTENT;
    }
  }
  return toFeatures(points, config.features);
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
  if (config.demo === 'classify2d' && gridInputs) {
    const probabilities = await trainer.predict(gridInputs);
    // Keep P(class 1) per cell.
    return { kind: 'boundary', size: BOUNDARY_SIZE, probabilities: probabilities.filter((_, i) => i % 2 === 1) };
  }
  if (config.demo === 'curve') {
    const xs = curveXs();
    return { kind: 'curve', xs, ys: await trainer.predict(xs.map((x) => x / X_EXTENT)) };
  }
  const classes = dataset.classes;
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

  /** A new run: the 2D demo's heatmap grid depends on its input features. */
  prepare(config: TrainConfig): void {
    this.#gridInputs = config.demo === 'classify2d' ? boundaryGridInputs(config) : null;
  }

  /** The test loss (recorded in the trainer's progress) and the picture, as the page's event. */
  async evaluate(trainer: TrainerLike): Promise<Extract<WorkerEvent, { type: 'evaluation' }>> {
    const { evaluation, predicted } = await trainer.evaluate();
    return { type: 'evaluation', evaluation, picture: await drawPicture(trainer, predicted, this.#gridInputs) };
  }
}
