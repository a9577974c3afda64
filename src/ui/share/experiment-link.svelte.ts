import { defaultConfig, type TrainConfig } from '../../lib/engine/config.ts';
import { experimentHash, noteProblem, parseExperimentHash, type HideableControl } from '../../lib/share/hash-state.ts';

/**
 * The experiment a link set up, and the Copy link action. The hash is parsed once on load
 * (and again if the user pastes another link into this tab).
 */
export class ExperimentLink {
  hidden = $state.raw<ReadonlySet<HideableControl>>(new Set());
  /** What the teacher chose to hide in the next link. */
  toHide = $state.raw<ReadonlySet<HideableControl>>(new Set());
  /** Why the link in the address bar was not used, as a sentence. */
  message = $state<string | null>(null);
  /** The last link made with Copy link, and whether it was of one run or of a comparison. */
  copied = $state<string | null>(null);
  copiedKind = $state<'experiment' | 'comparison'>('experiment');
  copyStatus = $state<string | null>(null);
  /** The note the teacher is typing for the next link. */
  note = $state('');
  /** The note of the link this page was opened with; shown as text above the controls. */
  receivedNote = $state<string | null>(null);
  /** A comparison link's runs, run 1 first; empty for a one-run link. */
  linkedRuns = $state.raw<TrainConfig[]>([]);
  /** How many of linkedRuns are set up so far (run 1 is, as the page opens). */
  runsSetUp = $state(0);

  /** Why the note cannot go in a link, or null. */
  get noteProblem(): string | null {
    return noteProblem(this.note);
  }

  /** The config the page should start with: the link's, or the defaults. */
  read(hash: string): TrainConfig {
    const result = parseExperimentHash(hash);
    this.receivedNote = null;
    this.linkedRuns = [];
    this.runsSetUp = 0;
    switch (result.kind) {
      case 'none':
        this.message = null;
        return defaultConfig();
      case 'invalid':
        this.message = result.message;
        this.hidden = new Set();
        return result.experiment.config;
      case 'ok': {
        const { config, hide, compare, note } = result.experiment;
        this.message = null;
        this.hidden = new Set(hide);
        this.toHide = new Set(hide);
        this.receivedNote = note ?? null;
        this.note = note ?? '';
        if (compare) {
          this.linkedRuns = [config, ...compare];
          this.runsSetUp = 1;
        }
        return config;
      }
    }
  }

  /** The next run a comparison link offers, with its number, or null when all are set up. */
  get nextRun(): { number: number; config: TrainConfig } | null {
    const config = this.linkedRuns[this.runsSetUp];
    return config ? { number: this.runsSetUp + 1, config } : null;
  }

  /** Marks the offered run as set up and returns its config, for the trainer to start. */
  takeNextRun(): TrainConfig | null {
    const next = this.nextRun;
    if (next) this.runsSetUp++;
    return next?.config ?? null;
  }

  setHidden(control: HideableControl, hide: boolean): void {
    const next = new Set(this.toHide);
    if (hide) next.add(control);
    else next.delete(control);
    this.toHide = next;
  }

  /**
   * Puts the experiment in the address bar and on the clipboard; with `compare`, the other runs
   * of a comparison too. A note that is too long makes no link: the status says why.
   */
  async copy(config: TrainConfig, compare: TrainConfig[] = []): Promise<void> {
    this.copiedKind = compare.length > 0 ? 'comparison' : 'experiment';
    const problem = this.noteProblem;
    if (problem) {
      this.copied = null;
      this.copyStatus = `No link was made. ${problem}`;
      return;
    }
    const note = this.note.trim() === '' ? undefined : this.note;
    const hash = experimentHash({ config, hide: [...this.toHide], compare, note });
    // replaceState: no hashchange event, and no history entry per click.
    history.replaceState(null, '', hash);
    const url = `${location.origin}${location.pathname}${hash}`;
    this.copied = url;
    const who = compare.length > 0 ? `Anyone who opens it can set up these ${compare.length + 1} runs, one after another.` : 'Anyone who opens it gets this experiment.';
    try {
      await navigator.clipboard.writeText(url);
      this.copyStatus = `Link copied to the clipboard. ${who}`;
    } catch {
      this.copyStatus = 'The link is in the address bar and below; the browser did not allow copying it to the clipboard.';
    }
  }
}
