/**
 * "Keep data on this device": asks the browser to exempt this site's storage from eviction
 * (navigator.storage.persist, which only windows can call) and remembers the answer.
 */
export class StoragePersistence {
  persisted = $state<boolean | null>(null);
  message = $state<string | null>(null);

  async refresh(): Promise<void> {
    this.persisted = (await navigator.storage?.persisted?.()) ?? null;
  }

  async request(): Promise<void> {
    if (!navigator.storage?.persist) {
      this.message = 'This browser cannot keep storage persistent; export checkpoints you want to keep as files.';
      return;
    }
    this.persisted = await navigator.storage.persist();
    this.message = this.persisted
      ? 'The browser will keep this site’s checkpoints until you delete them.'
      : 'The browser declined to make storage persistent, so it may clear checkpoints when the disk is nearly full. Bookmarking the site or installing it often helps; exporting a checkpoint keeps a copy as a file.';
  }
}
