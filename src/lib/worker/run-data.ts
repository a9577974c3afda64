import { Trainer } from '../engine/trainer.ts';
import type { TrainerLike } from '../engine/trainer-like.ts';
import { TextTrainer } from '../text/text-trainer.ts';
import { MNIST_PIXELS } from '../datasets/mnist.ts';
import { DIGIT_SAMPLES } from './pictures.ts';
import type { RunData } from './protocol.ts';

/** What the page's pictures need once per run: raw points and labels, or the sample digits' pixels. */
export function runData(trainer: TrainerLike): RunData {
  if (trainer instanceof TextTrainer) {
    const { source } = trainer;
    return { text: { tokensPerStep: trainer.tokensPerStep, vocabSize: source.dataset.vocab.size, customText: source.customText } };
  }
  if (!(trainer instanceof Trainer)) return {};
  const { dataset, config } = trainer;
  if (config.demo === 'digits') {
    const count = Math.min(DIGIT_SAMPLES, dataset.testY.length);
    return {
      samplePixels: Uint8Array.from(dataset.testX.subarray(0, count * MNIST_PIXELS), (v) => Math.round(v * 255)),
      sampleLabels: Uint8Array.from(dataset.testY.subarray(0, count)),
    };
  }
  const data: RunData = { trainPoints: dataset.trainPoints, trainLabels: dataset.trainY, testPoints: dataset.testPoints, testLabels: dataset.testY };
  if (dataset.csv) data.csv = dataset.csv;
  return data;
}
