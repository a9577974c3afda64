/** Learning-rate schedules are pure functions of the step, so resuming needs no extra state. */
export type ScheduleKind = 'constant' | 'step' | 'cosine';

export interface ScheduleConfig {
  /** Base learning rate at step 0. */
  learningRate: number;
  schedule: ScheduleKind;
  /** step: halve the rate every `decaySteps`; cosine: anneal to 0 over `decaySteps`. */
  decaySteps: number;
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
  }
}
