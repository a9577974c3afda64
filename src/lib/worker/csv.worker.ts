/// <reference lib="webworker" />
// The dedicated worker that reads CSV files: decoding and splitting a 5 MB file takes longer
// than a frame, and so does turning 100,000 rows into a table, so both happen here. The page
// gets the column names, and then each table it asks for (transferred, not copied).
import { readCsv, type ParsedCsv } from '../datasets/csv-parse.ts';
import { buildCsvTable } from '../datasets/csv-table.ts';
import type { CsvReply, CsvRequest } from './csv-messages.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
/** The last file read and its id: tables are built from it. */
let current: { fileId: number; csv: ParsedCsv } | null = null;

async function answer(request: CsvRequest): Promise<CsvReply> {
  const { id, fileId } = request;
  if (request.type === 'build') {
    if (current?.fileId !== fileId) return { id, type: 'build', result: { ok: false, stale: true, message: 'A newer file replaced this one.' } };
    return { id, type: 'build', result: buildCsvTable(current.csv, request.choice, request.kind) };
  }
  const { file } = request;
  current = null;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (error) {
    // Reading the file itself failed (it was deleted or changed since it was chosen).
    return { id, type: 'read', result: { ok: false, message: `The file "${file.name}" could not be read (${(error as Error).message}); choose it again.` } };
  }
  const result = readCsv(file.name, bytes);
  if (!result.ok) return { id, type: 'read', result };
  current = { fileId, csv: result.csv };
  const { columns, ...rest } = result.csv;
  return { id, type: 'read', result: { ok: true, csv: { ...rest, columns: columns.map(({ name, letter }) => ({ name, letter })) } } };
}

// One request at a time, in order: a build never overtakes the read it belongs to.
let queue = Promise.resolve();
scope.onmessage = (message: MessageEvent<CsvRequest>) => {
  queue = queue.then(async () => {
    const reply = await answer(message.data);
    const transfer = reply.type === 'build' && reply.result.ok ? [reply.result.table.x.buffer, reply.result.table.y.buffer] : [];
    scope.postMessage(reply, transfer);
  });
};
