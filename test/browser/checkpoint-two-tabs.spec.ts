// (e) Tabs share one database: a tab that opens (and sweeps) must never touch another
// tab's save in progress, and a schema upgrade elsewhere closes this tab's connection.
import { test, expect, openHarness } from './support/checkpoint-fixtures.ts';

/** Page-global handles the test uses to pause tab A's save between verify and commit. */
type PausedSave = { paused?: boolean; resume?: () => void; saved?: Promise<unknown> };
declare global {
  interface Window {
    pausedSave: PausedSave;
  }
}

test("a second tab's sweep leaves a live save alone, and that save then commits", async ({ context, page: tabA }) => {
  await test.step('tab A saves one checkpoint, then pauses the next one right before its commit', async () => {
    await tabA.evaluate(async () => {
      const { checkpoint, checkpointTesting } = window.lib;
      const store = await checkpoint.openCheckpointStore({ dbName: 'two-tabs' });
      await store.save(checkpointTesting.makeInput('r', 1, 20_000), { chunkSize: 8192 });
      window.pausedSave = {};
      const resumed = new Promise<void>((resolve) => (window.pausedSave.resume = resolve));
      window.pausedSave.saved = store.save(checkpointTesting.makeInput('r', 2, 20_000), {
        chunkSize: 8192,
        beforeCommit: () => {
          window.pausedSave.paused = true;
          return resumed;
        },
      });
    });
    await tabA.waitForFunction(() => window.pausedSave.paused === true);
  });

  const tabB = await context.newPage();
  await openHarness(tabB);

  await test.step("tab B opens the store, which sweeps, and sweeps again: only the dead save goes, A's temp records stay", async () => {
    const result = await tabB.evaluate(async () => {
      const { checkpoint, checkpointTesting } = window.lib;
      const before = await checkpointTesting.inspectStore('two-tabs');
      // Beside A's live save, the leftovers of a dead one (written without a lock), so the
      // sweep below demonstrably runs and tells the two apart.
      const raw = await checkpoint.openPlaygroundDB('two-tabs');
      const dead = await checkpoint.encodeCheckpoint(checkpointTesting.makeInput('r', 9, 20_000), { id: 'dead-save', chunkSize: 8192 });
      await checkpoint.writeTemp(raw, dead);
      raw.close();
      const store = await checkpoint.openCheckpointStore({ dbName: 'two-tabs' });
      const again = await store.sweep();
      store.close();
      const after = await checkpointTesting.inspectStore('two-tabs');
      return { before, initial: store.initialSweep, again, after };
    });
    // 20 000 bytes in 8 KiB chunks: 3 chunks plus the manifest.
    expect(result.before.tempRecords).toBe(4);
    expect(result.initial).toMatchObject({ unfinishedSaves: 1, tempRecords: 4 });
    expect(result.again.unfinishedSaves).toBe(0);
    expect(result.after.tempRecords).toBe(4);
    expect(result.after.tempSaveIds).toEqual(result.before.tempSaveIds);
  });

  await test.step("tab A resumes: its commit succeeds and tab B loads it", async () => {
    const saved = await tabA.evaluate(async () => {
      window.pausedSave.resume!();
      return (await window.pausedSave.saved) as { step: number; isLatest: boolean };
    });
    expect(saved).toMatchObject({ step: 2, isLatest: true });
    const result = await tabB.evaluate(async () => {
      const { checkpoint, checkpointTesting } = window.lib;
      const store = await checkpoint.openCheckpointStore({ dbName: 'two-tabs' });
      const latest = await store.loadLatest('r');
      store.close();
      return { step: latest?.manifest.step, message: latest?.message, inspection: await checkpointTesting.inspectStore('two-tabs') };
    });
    expect(result.step).toBe(2);
    expect(result.message).toBeNull();
    expect(result.inspection.tempRecords).toBe(0);
    expect(result.inspection.problems).toEqual([]);
  });
});

test('a newer schema opened in another tab closes this connection and calls onVersionChange', async ({ context, page: tabA }) => {
  await tabA.evaluate(async () => {
    const { checkpoint, checkpointTesting } = window.lib;
    const events: string[] = [];
    const store = await checkpoint.openCheckpointStore({ dbName: 'upgrade', onVersionChange: () => events.push('versionchange') });
    await store.save(checkpointTesting.makeInput('r', 1, 1000));
    Object.assign(window, { upgradeStore: store, upgradeEvents: events });
  });

  const tabB = await context.newPage();
  await openHarness(tabB);
  // A raw open with a higher version, as a newer build of the app would do. It only succeeds
  // because tab A closes its connection instead of blocking it.
  const newVersion = await tabB.evaluate(
    (version) =>
      new Promise<number>((resolve, reject) => {
        const request = indexedDB.open('upgrade', version);
        request.onsuccess = () => {
          request.result.close();
          resolve(request.result.version);
        };
        request.onerror = () => reject(request.error);
        request.onblocked = () => reject(new Error('The upgrade was blocked by tab A.'));
      }),
    2,
  );
  expect(newVersion).toBe(2);

  const afterward = await tabA.evaluate(async () => {
    const { checkpointTesting } = window.lib;
    const { upgradeStore: store, upgradeEvents: events } = window as unknown as {
      upgradeStore: import('../../src/lib/checkpoint/store.ts').CheckpointStore;
      upgradeEvents: string[];
    };
    const error = await store.save(checkpointTesting.makeInput('r', 2, 1000)).then(
      () => null,
      (e: Error) => ({ name: e.name, message: e.message }),
    );
    return { events, closed: store.closed, error };
  });
  expect(afterward.events).toEqual(['versionchange']);
  expect(afterward.closed).toBe(true);
  expect(afterward.error?.name).toBe('StoreClosedError');
  expect(afterward.error?.message).toContain('Reload this tab');
});
