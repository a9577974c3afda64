/**
 * When to autosave: as often as keeps saving under AUTOSAVE_MAX_SHARE of training time, so a
 * closed tab loses seconds, not the 30 s of a fixed clock; never more often than
 * MIN_AUTOSAVE_MS (each save also costs the page a status update and the store a
 * retention pass); and at least every `maxIntervalMs` (the user's autosave setting).
 */
export const AUTOSAVE_MAX_SHARE = 0.02;
export const MIN_AUTOSAVE_MS = 2000;

/**
 * The training time between two autosaves, given what the last save cost training: the time
 * the step path waited for its snapshot (its write runs in the background).
 */
export function autosaveIntervalMs(lastSaveMs: number, maxIntervalMs: number): number {
  const affordable = Math.max(MIN_AUTOSAVE_MS, lastSaveMs / AUTOSAVE_MAX_SHARE);
  return Math.min(affordable, maxIntervalMs);
}

/** True when `sinceSaveMs` of training since the last save call for another; never when autosave is off (0). */
export function autosaveDue(sinceSaveMs: number, lastSaveMs: number, maxIntervalMs: number): boolean {
  if (maxIntervalMs <= 0) return false;
  return sinceSaveMs >= autosaveIntervalMs(lastSaveMs, maxIntervalMs);
}
