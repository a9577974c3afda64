import { csvSizeProblem } from '../../lib/datasets/csv-parse.ts';
import type { CsvChoice } from '../../lib/datasets/csv-table.ts';
import type { CsvReply, CsvRequest } from '../../lib/worker/csv-messages.ts';

type Reply<T extends CsvReply['type']> = Extract<CsvReply, { type: T }>['result'];

/**
 * The page's handle on the CSV worker, the only one. Files are decoded, split into columns
 * and turned into tables there, so the page keeps drawing frames while a large file is read;
 * the page only ever holds the column names and the finished table. The worker is started on
 * the first file.
 */
export class CsvReader {
  #worker: Worker | null = null;
  #nextId = 1;
  #fileId = 0;
  #pending = new Map<number, (reply: CsvReply) => void>();

  /** Reads a file into columns, or says why it cannot be used. A file too large is refused without being read. */
  read(file: File): Promise<Reply<'read'>> {
    this.#fileId++;
    const sizeProblem = csvSizeProblem(file.name, file.size);
    if (sizeProblem) return Promise.resolve({ ok: false, message: sizeProblem });
    return this.#request({ type: 'read', id: 0, fileId: this.#fileId, file }) as Promise<Reply<'read'>>;
  }

  /** Checks a choice of columns of the file read last, and builds its table. */
  build(choice: CsvChoice, kind: 'classification' | 'regression'): Promise<Reply<'build'>> {
    return this.#request({ type: 'build', id: 0, fileId: this.#fileId, choice, kind }) as Promise<Reply<'build'>>;
  }

  dispose(): void {
    this.#worker?.terminate();
    this.#worker = null;
  }

  #request(request: CsvRequest): Promise<CsvReply['result']> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, (reply) => resolve(reply.result));
      this.#spawn().postMessage({ ...request, id } satisfies CsvRequest);
    });
  }

  #spawn(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('../../lib/worker/csv.worker.ts', import.meta.url), { type: 'module', name: 'csv' });
    worker.onmessage = (message: MessageEvent<CsvReply>) => {
      this.#pending.get(message.data.id)?.(message.data);
      this.#pending.delete(message.data.id);
    };
    worker.onerror = (event) => {
      // A crash answers every waiting request with a sentence; the next file starts a fresh worker.
      const message = `The CSV reader stopped (${event.message || 'no details'}); load the file again.`;
      for (const [id, resolve] of this.#pending) resolve({ id, type: 'read', result: { ok: false, message } });
      this.#pending.clear();
      this.dispose();
    };
    this.#worker = worker;
    return worker;
  }
}
