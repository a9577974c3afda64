// A run of a small MLP starts on its per-phase kernel, which SwiftShader compiled in 0.6 s,
// and moves to its one-workgroup kernel (65 KB of unrolled WGSL for the spiral, 2-3 s to
// compile, ~4x faster per step) once that has compiled in the background. The per-phase
// kernel of such a network sums every gradient in the one-workgroup kernel's order
// (densePhases' sumsAsSingle), so both compute the same bits and the move changes nothing a
// run records: the same seed and config give the same run, whenever the move happens.
import type { FusedStep } from './fused-step.ts';

export class FusedUpgrade {
  readonly next: FusedStep;
  #compiled = false;

  /** `next` starts compiling when it is constructed; this watches for the end. */
  constructor(next: FusedStep) {
    this.next = next;
    // A kernel that fails to compile is never moved to; the run stays on the per-phase kernel.
    next.ready().then(
      () => (this.#compiled = true),
      () => {},
    );
  }

  /**
   * The faster step, continuing `current`'s params, optimizer state and counters, once it has
   * compiled and every loss of `current` has been read; null until then. The caller disposes
   * `current` and stops using this upgrade.
   */
  takeOver(current: FusedStep): FusedStep | null {
    if (!this.#compiled || current.pendingLossCount > 0) return null;
    this.next.adoptState(current);
    return this.next;
  }

  dispose(): void {
    this.next.dispose();
  }
}
