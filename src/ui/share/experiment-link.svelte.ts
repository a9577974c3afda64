import { defaultConfig, type TrainConfig } from '../../lib/engine/config.ts';
import { experimentHash, parseExperimentHash, type HideableControl } from '../../lib/share/hash-state.ts';

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
  /** The last link made with Copy link. */
  copied = $state<string | null>(null);
  copyStatus = $state<string | null>(null);

  /** The config the page should start with: the link's, or the defaults. */
  read(hash: string): TrainConfig {
    const result = parseExperimentHash(hash);
    switch (result.kind) {
      case 'none':
        this.message = null;
        return defaultConfig();
      case 'invalid':
        this.message = result.message;
        this.hidden = new Set();
        return result.experiment.config;
      case 'ok':
        this.message = null;
        this.hidden = new Set(result.experiment.hide);
        this.toHide = new Set(result.experiment.hide);
        return result.experiment.config;
    }
  }

  setHidden(control: HideableControl, hide: boolean): void {
    const next = new Set(this.toHide);
    if (hide) next.add(control);
    else next.delete(control);
    this.toHide = next;
  }

  /** Puts the experiment in the address bar and on the clipboard. */
  async copy(config: TrainConfig): Promise<void> {
    const hash = experimentHash({ config, hide: [...this.toHide] });
    // replaceState: no hashchange event, and no history entry per click.
    history.replaceState(null, '', hash);
    const url = `${location.origin}${location.pathname}${hash}`;
    this.copied = url;
    try {
      await navigator.clipboard.writeText(url);
      this.copyStatus = 'Link copied to the clipboard. Anyone who opens it gets this experiment.';
    } catch {
      this.copyStatus = 'The link is in the address bar and below; the browser did not allow copying it to the clipboard.';
    }
  }
}
