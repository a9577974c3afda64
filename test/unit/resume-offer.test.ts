import { describe, expect, it } from 'vitest';
import { chooseResumeOffer } from '../../src/ui/checkpoints/resume-offer.ts';
import type { RunListing } from '../../src/lib/worker/protocol.ts';

const listing = (id: string, savedAt: number | null): RunListing =>
  ({
    run: { id, name: id },
    latest: savedAt === null ? null : { id: `${id}-cp`, step: 10, createdAt: savedAt },
    checkpoints: [],
  }) as unknown as RunListing;

describe('the Resume offer', () => {
  const runs = [listing('mine', 100), listing('other-tab', 200), listing('never-saved', null)];

  it("prefers this tab's own last run over a newer one from another tab", () => {
    expect(chooseResumeOffer(runs, 'fresh', 'mine')?.run.id).toBe('mine');
  });

  it('falls back to the most recently saved run when this tab has none', () => {
    expect(chooseResumeOffer(runs, 'fresh', null)?.run.id).toBe('other-tab');
    expect(chooseResumeOffer(runs, 'fresh', 'deleted-since')?.run.id).toBe('other-tab');
  });

  it('never offers the run on screen, nor a run without a checkpoint', () => {
    expect(chooseResumeOffer(runs, 'other-tab', null)?.run.id).toBe('mine');
    expect(chooseResumeOffer([listing('never-saved', null)], 'fresh', 'never-saved')).toBeNull();
  });
});
