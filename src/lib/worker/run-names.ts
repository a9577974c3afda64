import type { TrainConfig } from '../engine/config.ts';

const DATASET_TITLES: Record<TrainConfig['dataset'], string> = {
  spiral: 'Spiral',
  circles: 'Circles',
  xor: 'XOR',
  gaussians: 'Gaussians',
  checkerboard: 'Checkerboard',
  sine: 'Sine curve',
  points: 'Your points',
  mnist: 'Digits',
  cities: 'City names',
  words: 'English words',
  pokemon: 'Pokémon names',
  reverse: 'Reverse',
  sort: 'Sort digits',
  add: 'Addition',
  brackets: 'Brackets',
  copy: 'Copy',
  custom: 'Your text',
  csv: 'Your CSV',
};
const OPTIMIZER_TITLES: Record<TrainConfig['optimizer'], string> = { sgd: 'SGD', momentum: 'Momentum', adam: 'Adam', rmsprop: 'RMSProp' };

/** What a run is, in a few words: "Spiral · MLP 16-16 · Adam 0.03". */
export function describeRun(config: TrainConfig): string {
  const layers = config.hidden.length ? config.hidden.join('-') : 'linear';
  if (config.demo === 'text') {
    const model = config.model === 'gpt' ? `GPT ${config.layers}×${config.width}` : 'Bigram';
    return `${DATASET_TITLES[config.dataset]} · ${model} · AdamW ${config.learningRate}`;
  }
  const model = config.model === 'cnn' ? `CNN + ${layers}` : `MLP ${layers}`;
  return `${DATASET_TITLES[config.dataset]} · ${model} · ${OPTIMIZER_TITLES[config.optimizer]} ${config.learningRate}`;
}

/**
 * A new run's name: what it is, then the start of its id. Two tabs that start the same
 * experiment in the same second still get different names, without asking each other.
 */
export function newRunName(config: TrainConfig, runId: string): string {
  return `${describeRun(config)} · ${runId.replace(/-/g, '').slice(0, 4)}`;
}
