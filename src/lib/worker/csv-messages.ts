import type { CsvColumn, ParsedCsv } from '../datasets/csv-parse.ts';
import type { CsvChoice, CsvTableResult } from '../datasets/csv-table.ts';

/**
 * Page → CSV worker. `read` a file: the worker keeps its columns; `build` the table of a choice
 * of them, for the file read with the same `fileId` (a later file makes the request stale).
 * `id` pairs each reply with its request.
 */
export type CsvRequest =
  | { type: 'read'; id: number; fileId: number; file: File }
  | { type: 'build'; id: number; fileId: number; choice: CsvChoice; kind: 'classification' | 'regression' };

/** What the page needs of a file to let the student pick columns: no cell values. */
export type CsvSummary = Omit<ParsedCsv, 'columns'> & { columns: Pick<CsvColumn, 'name' | 'letter'>[] };

/** CSV worker → page. `stale`: the request was for a file that has since been replaced. */
export type CsvReply =
  | { id: number; type: 'read'; result: { ok: true; csv: CsvSummary } | { ok: false; message: string } }
  | { id: number; type: 'build'; result: CsvTableResult | { ok: false; stale: true; message: string } };
