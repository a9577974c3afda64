/** nanoGPT's learning-rate schedule; a pure function of the step, so resuming needs no state. */
export interface WarmupCosineConfig {
  /** Peak rate, reached when the warm-up ends. */
  learningRate: number;
  /** Steps of linear warm-up from learningRate/(warmupSteps + 1). */
  warmupSteps: number;
  /** Step at which the cosine reaches minLearningRate (nanoGPT's lr_decay_iters). */
  decaySteps: number;
  /** Floor after decaySteps (nanoGPT's min_lr, usually learningRate / 10). */
  minLearningRate: number;
}

/** nanoGPT's get_lr(it): linear warm-up, cosine decay to the floor, then the floor. */
export function warmupCosineRate(step: number, config: WarmupCosineConfig): number {
  const { learningRate, warmupSteps, decaySteps, minLearningRate } = config;
  if (step < warmupSteps) return (learningRate * (step + 1)) / (warmupSteps + 1);
  if (step >= decaySteps) return minLearningRate;
  const progress = (step - warmupSteps) / (decaySteps - warmupSteps);
  return minLearningRate + 0.5 * (1 + Math.cos(Math.PI * progress)) * (learningRate - minLearningRate);
}
