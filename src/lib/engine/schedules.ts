import { warmupCosineRate } from '../text/model/warmup-cosine.ts';

/** Learning-rate schedules are pure functions of the step, so resuming needs no extra state. */
export type ScheduleKind = 'constant' | 'step' | 'cosine' | 'warmupCosine';

export interface ScheduleConfig {
  /** Base learning rate at step 0. */
  learningRate: number;
  schedule: ScheduleKind;
  /** step: halve the rate every `decaySteps`; cosine: anneal to 0 over `decaySteps`. */
  decaySteps: number;
  /** warmupCosine: steps of linear warm-up before the cosine; 0 when absent. */
  warmupSteps?: number;
}

/** Factor applied by the "step" schedule at every boundary. */
export const STEP_DECAY_FACTOR = 0.5;

export function learningRateAt(step: number, config: ScheduleConfig): number {
  const { learningRate, schedule, decaySteps } = config;
  switch (schedule) {
    case 'constant':
      return learningRate;
    case 'step':
      return learningRate * STEP_DECAY_FACTOR ** Math.floor(step / decaySteps);
    case 'cosine': {
      const progress = Math.min(step, decaySteps) / decaySteps;
      return learningRate * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
    case 'warmupCosine': {
      // nanoGPT's get_lr: the floor is a tenth of the peak, as its min_lr usually is.
      const warmupSteps = Math.min(config.warmupSteps ?? 0, decaySteps);
      return warmupCosineRate(step, { learningRate, warmupSteps, decaySteps: Math.max(decaySteps, warmupSteps + 1), minLearningRate: learningRate / 10 });
    }
  }
}
