import type { RunListing } from '../../lib/worker/protocol.ts';

/** sessionStorage key: the run this tab last saved. sessionStorage is per tab and survives a reload. */
export const TAB_RUN_KEY = 'webgpu-playground:tab-run';

/**
 * Which stored run to offer when the page opens: this tab's own last run if it still has a
 * checkpoint, else the most recently saved run, never the one on screen. Decided once per
 * page load, so the offer never pops up mid-session for a run the user just left.
 */
export function chooseResumeOffer(runs: readonly RunListing[], currentRunId: string | null, tabRunId: string | null): RunListing | null {
  const candidates = runs.filter((r) => r.latest && r.run.id !== currentRunId);
  const own = candidates.find((r) => r.run.id === tabRunId);
  if (own) return own;
  return candidates.sort((a, b) => b.latest!.createdAt - a.latest!.createdAt)[0] ?? null;
}
