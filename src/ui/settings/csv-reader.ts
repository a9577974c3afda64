import { csvSizeProblem, type CsvReadResult } from '../../lib/datasets/csv-parse.ts';
import type { CsvReadReply, CsvReadRequest } from '../../lib/worker/csv-messages.ts';

/**
 * The page's handle on the CSV worker, the only one: files go there to be decoded and split
 * into columns, so the page keeps drawing frames while a large file is read. The worker is
 * started on the first file.
 */
export class CsvReader {
  #worker: Worker | null = null;
  #nextId = 1;
  #pending = new Map<number, (result: CsvReadResult) => void>();

  /** Reads a file into columns, or says why it cannot be used. A file too large is refused without being read. */
  read(file: File): Promise<CsvReadResult> {
    const sizeProblem = csvSizeProblem(file.name, file.size);
    if (sizeProblem) return Promise.resolve({ ok: false, message: sizeProblem });
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#spawn().postMessage({ id, file } satisfies CsvReadRequest);
    });
  }

  dispose(): void {
    this.#worker?.terminate();
    this.#worker = null;
  }

  #spawn(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('../../lib/worker/csv.worker.ts', import.meta.url), { type: 'module', name: 'csv' });
    worker.onmessage = (message: MessageEvent<CsvReadReply>) => {
      this.#pending.get(message.data.id)?.(message.data.result);
      this.#pending.delete(message.data.id);
    };
    worker.onerror = (event) => {
      // A crash answers every waiting read with a sentence; the next file starts a fresh worker.
      const message = `The CSV reader stopped (${event.message || 'no details'}); load the file again.`;
      for (const resolve of this.#pending.values()) resolve({ ok: false, message });
      this.#pending.clear();
      this.dispose();
    };
    this.#worker = worker;
    return worker;
  }
}
