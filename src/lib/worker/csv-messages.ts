import type { CsvReadResult } from '../datasets/csv-parse.ts';

/** Page → CSV worker: read this file. `id` pairs the reply with its request. */
export interface CsvReadRequest {
  id: number;
  file: File;
}

/** CSV worker → page: the file's columns, or why it was refused. */
export interface CsvReadReply {
  id: number;
  result: CsvReadResult;
}
