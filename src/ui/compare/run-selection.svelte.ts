import { MAX_COMPARED_RUNS } from '../../lib/share/hash-state.ts';

/** The stored runs ticked for Compare; Compare itself puts them in the order they were started. */
export class RunSelection {
  #ids = $state.raw<string[]>([]);

  get ids(): readonly string[] {
    return this.#ids;
  }

  has(runId: string): boolean {
    return this.#ids.includes(runId);
  }

  set(runId: string, selected: boolean): void {
    this.#ids = selected ? [...this.#ids.filter((id) => id !== runId), runId] : this.#ids.filter((id) => id !== runId);
  }

  /** Forgets runs that are no longer stored (deleted here or in another tab). */
  keepOnly(storedIds: readonly string[]): void {
    const kept = this.#ids.filter((id) => storedIds.includes(id));
    if (kept.length !== this.#ids.length) this.#ids = kept;
  }

  /** Why Compare cannot run with this selection, as a sentence; null when it can. */
  get problem(): string | null {
    if (this.#ids.length < 2) return 'Tick two or more runs to compare them.';
    if (this.#ids.length > MAX_COMPARED_RUNS) return `Compare at most ${MAX_COMPARED_RUNS} runs at once; untick ${this.#ids.length - MAX_COMPARED_RUNS}.`;
    return null;
  }
}
