/** Aim for one loss readback per ~150 ms of training: often enough for a live chart. */
const READ_INTERVAL_MS = 150;
/**
 * Never queue more steps than this between readbacks. A Pause or a Save does not wait for
 * a round to end (the round ends at its next yield, and a fused GPU path yields every
 * submit); this bounds the losses in flight and keeps the chart moving on fast paths.
 */
const MAX_STEPS_PER_READ = 1024;

/**
 * How many steps to queue before the next batched loss readback. It adapts to the measured
 * speed so a readback happens about every READ_INTERVAL_MS, on a fast CPU or a slow GPU alike.
 */
export class ReadbackPacer {
  stepsPerRead = 1;
  /** Speed over the last measured batch of steps, or 0 before the first. */
  stepsPerSec = 0;

  /** Records that `steps` steps (and their readback) took `elapsedMs`. */
  record(steps: number, elapsedMs: number): void {
    if (steps <= 0) return;
    this.stepsPerSec = (steps * 1000) / Math.max(elapsedMs, 1);
    this.stepsPerRead = Math.max(1, Math.min(MAX_STEPS_PER_READ, Math.round((this.stepsPerSec * READ_INTERVAL_MS) / 1000)));
  }
}
