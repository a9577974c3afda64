/// <reference lib="webworker" />
// The dedicated worker that reads CSV files: decoding and splitting a 5 MB file takes longer
// than a frame, so it happens here and the page gets typed arrays back (transferred, not copied).
import { readCsv } from '../datasets/csv-parse.ts';
import type { CsvReadReply, CsvReadRequest } from './csv-messages.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = async (message: MessageEvent<CsvReadRequest>) => {
  const { id, file } = message.data;
  let reply: CsvReadReply;
  try {
    reply = { id, result: readCsv(file.name, new Uint8Array(await file.arrayBuffer())) };
  } catch (error) {
    // Reading the file itself failed (it was deleted or changed since it was chosen).
    reply = { id, result: { ok: false, message: `The file "${file.name}" could not be read (${(error as Error).message}); choose it again.` } };
  }
  const transfer = reply.result.ok ? reply.result.csv.columns.flatMap((c) => [c.numbers.buffer, c.codes.buffer]) : [];
  scope.postMessage(reply, transfer);
};
