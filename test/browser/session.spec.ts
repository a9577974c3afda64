// The worker's TrainingSession on real IndexedDB and Web Locks (issue 12): the failure paths
// of resume and save, and the step boundary a snapshot must be taken at.
import { test, expect } from './support/checkpoint-fixtures.ts';

test('a resume that cannot rebuild its trainer releases the run lock, says why, and leaves the run on screen trainable', async ({ page }) => {
  const result = await page.evaluate(() => window.lib.sessionChecks.resumeThatCannotRebuild());
  expect(result.locks).not.toContain(`run:${result.broken}`);
  expect(result.locks).toContain(`run:${result.current}`);
  expect(result.errorMessage).toMatch(/^The checkpoint's dense0\/kernel has shape \[2,16\] but this model expects \[2,8\]\.$/);
  expect(result.noticeMessage).toBe('The run on screen is unchanged; you can keep training it, or pick another checkpoint.');
  expect(result.stepAfter).toBe(1);
});

test('a list refresh that fails after the commit is reported as such, never as a failed save', async ({ page }) => {
  const result = await page.evaluate(() => window.lib.sessionChecks.listRefreshFailsAfterCommit());
  expect(result.outcome.type).toBe('error');
  expect(result.outcome).toMatchObject({ message: expect.stringMatching(/^Step 2 was saved, but the list of checkpoints could not be refreshed \(.+\)\. Reload the page to see it\.$/) });
  expect(result.events).toContain('saved');
  expect(result.events).not.toContain('saveFailed');
});

test('after a failed save the step stays unsaved: the next save writes it, and Export says which step it hands out', async ({ page }) => {
  const result = await page.evaluate(() => window.lib.sessionChecks.failedSaveIsRetried());
  expect(result.retriedStep).toBe(3);
  expect(result.older.fileName).toMatch(/-step-3\.zip$/);
  expect(result.older.notice).toBe('Exported step 3, the newest saved checkpoint, not step 4 on screen. Saving step 4 failed: The quota has been exceeded.');
  expect(result.current).toMatch(/-step-4\.zip$/);
  expect(result.steps).toEqual([4, 3]);
});

for (const backend of ['cpu', 'webgpu'] as const) {
  test(`a Save that arrives with Pause mid-round is taken where the step counter and the loss history agree (${backend})`, async ({ page }) => {
    test.setTimeout(180_000);
    const result = await page.evaluate((b) => window.lib.sessionChecks.saveRightAfterPause(b, 8), backend);
    expect(result.errors).toEqual([]);
    expect(result.checked).toBeGreaterThan(0);
    expect(result.mismatches).toEqual([]);
  });
}
