// What the app uses to coordinate tabs, driven from two real tabs (harness.html exposes this
// as window.lib.tabScenarios): the run lock (Web Locks) that lets one tab train a run, and
// the BroadcastChannel on which tabs announce new checkpoints. Each function runs in one tab
// and keeps its handles in this module, so a test calls them tab by tab.
import { RunLock } from '../../src/lib/worker/run-lock.ts';
import { CHECKPOINT_CHANNEL } from '../../src/lib/worker/persistence.ts';

/** Resolves once another tab has taken over the run lock this tab holds. */
let runLockLost: Promise<void> | null = null;

/**
 * Takes the app's run lock (the Web Lock `run:<runId>`), as the training worker does, or with
 * `steal` takes it over from another tab. Returns whether this tab got it.
 */
export async function acquireRunLock(runId: string, options: { steal?: boolean } = {}): Promise<boolean> {
  let lost!: () => void;
  const whenLost = new Promise<void>((resolve) => (lost = resolve));
  const lock = await RunLock.acquire(runId, { steal: options.steal, onLost: lost });
  if (!lock) return false;
  runLockLost = whenLost;
  return true;
}

/** Resolves once another tab has stolen this tab's run lock (never, if none does). */
export function whenRunLockLost(): Promise<void> {
  if (!runLockLost) throw new Error('This tab holds no run lock: call acquireRunLock() first.');
  return runLockLost;
}

/** Resolves with the first message another tab posts on the app's checkpoint channel. */
let channelMessage: Promise<unknown> | null = null;

/** Listens on the app's BroadcastChannel, as every tab's worker does. */
export function listenForCheckpointChanges(): void {
  const channel = new BroadcastChannel(CHECKPOINT_CHANNEL);
  channelMessage = new Promise((resolve) => {
    channel.onmessage = (event) => {
      channel.close();
      resolve(event.data);
    };
  });
}

/** Posts what a tab's worker posts after a commit. */
export function announceCheckpointChange(runId: string): void {
  const channel = new BroadcastChannel(CHECKPOINT_CHANNEL);
  channel.postMessage({ type: 'changed', runId });
  channel.close();
}

/** The message listenForCheckpointChanges() received, once it arrives. */
export function receivedCheckpointChange(): Promise<unknown> {
  if (!channelMessage) throw new Error('This tab is not listening: call listenForCheckpointChanges() first.');
  return channelMessage;
}
