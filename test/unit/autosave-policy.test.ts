import { describe, expect, it } from 'vitest';
import { AUTOSAVE_MAX_SHARE, MIN_AUTOSAVE_MS, autosaveDue, autosaveIntervalMs } from '../../src/lib/worker/autosave-policy.ts';

describe('autosave by cost', () => {
  it('saves a cheap run every MIN_AUTOSAVE_MS, not every 30 s', () => {
    // The spiral's save takes a few ms: the 2% budget would allow one every few hundred ms.
    expect(autosaveIntervalMs(5, 30_000)).toBe(MIN_AUTOSAVE_MS);
    expect(autosaveDue(MIN_AUTOSAVE_MS - 1, 5, 30_000)).toBe(false);
    expect(autosaveDue(MIN_AUTOSAVE_MS, 5, 30_000)).toBe(true);
  });

  it('spaces out expensive saves so saving stays under 2% of training time', () => {
    const saveMs = 200;
    const interval = autosaveIntervalMs(saveMs, 30_000);
    expect(interval).toBe(saveMs / AUTOSAVE_MAX_SHARE);
    expect(saveMs / interval).toBeLessThanOrEqual(AUTOSAVE_MAX_SHARE);
  });

  it('saves at least as often as the autosave setting asks, and never when it is 0', () => {
    expect(autosaveIntervalMs(5_000, 30_000)).toBe(30_000);
    expect(autosaveDue(30_000, 5_000, 30_000)).toBe(true);
    expect(autosaveDue(1e9, 5, 0)).toBe(false);
  });
});
