import { TextTrainer } from '../text/text-trainer.ts';
import type { TrainerLike } from '../engine/trainer-like.ts';
import type { WorkerEvent } from './protocol.ts';

/** While training, the text demo writes a new sample at most this often (from the end of the last one)... */
const SAMPLE_INTERVAL_MS = 3000;
/** ...and sampling may take at most this share of the time: on a slow GPU each character is a pass and a readback. */
const SAMPLE_MAX_SHARE = 0.2;

/** The Text demo's samples: what they continue, at which temperature, and when the next is due. */
export class TextSampler {
  #post: (event: WorkerEvent) => void;
  #sampling = { prompt: '\n', temperature: 0.8 };
  #lastSampleAt = 0;
  #sampleCostMs = 0;

  constructor(post: (event: WorkerEvent) => void) {
    this.#post = post;
  }

  /** The page changed the prompt or temperature: the next chance to sample takes it. */
  set(prompt: string, temperature: number): void {
    this.#sampling = { prompt, temperature };
    this.#lastSampleAt = 0;
  }

  /** After an evaluation: samples a text run when paused, or while training when one is due. */
  async afterEvaluation(trainer: TrainerLike, training: boolean): Promise<void> {
    const gap = Math.max(SAMPLE_INTERVAL_MS, this.#sampleCostMs / SAMPLE_MAX_SHARE);
    if (trainer instanceof TextTrainer && (!training || performance.now() - this.#lastSampleAt > gap)) await this.sample(trainer);
  }

  /** A sample from the current weights, seeded by (seed, step): the same checkpoint and prompt write the same text. */
  async sample(trainer: TrainerLike): Promise<void> {
    if (!(trainer instanceof TextTrainer)) return;
    const { prompt, temperature } = this.#sampling;
    const started = performance.now();
    const sample = await trainer.sample(prompt, temperature);
    this.#lastSampleAt = performance.now();
    this.#sampleCostMs = this.#lastSampleAt - started;
    this.#post({ type: 'sample', ...sample });
  }
}
