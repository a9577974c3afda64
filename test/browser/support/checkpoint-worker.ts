// A dedicated worker that saves, sweeps and loads with the checkpoint store: the store must
// run where there is no window and no DOM, as it does in the training worker.
import { openCheckpointStore } from '../../../src/lib/checkpoint/index.ts';
import { makeInput, sameTensors } from './checkpoint-helpers.ts';

self.onmessage = async (event: MessageEvent<{ dbName: string }>) => {
  try {
    const store = await openCheckpointStore({ dbName: event.data.dbName });
    const input = makeInput('worker-run', 7, 100_000);
    const phases = new Set<string>();
    await store.save(input, { chunkSize: 32_768, onProgress: (p) => phases.add(p.phase) });
    const swept = await store.sweep();
    const loaded = await store.loadLatest('worker-run');
    const usage = await store.usage();
    store.close();
    self.postMessage({
      hasWindow: typeof window !== 'undefined',
      hasDocument: typeof document !== 'undefined',
      phases: [...phases],
      unfinishedSaves: swept.unfinishedSaves,
      step: loaded?.manifest.step,
      same: loaded ? sameTensors(input.tensors, loaded.tensors) : false,
      runBytes: usage.runs[0]?.bytes,
    });
  } catch (error) {
    self.postMessage({ error: String(error) });
  }
};
