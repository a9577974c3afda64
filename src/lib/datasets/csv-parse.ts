/**
 * The edge where a student's CSV file enters. It runs in the CSV worker (csv.worker.ts), so a
 * 100,000-row file never blocks the page: the file is decoded and split into cells here, and
 * each column is summarised into typed arrays the page can pick columns from without
 * touching a string again. Refusals are sentences naming the row (1-based, as a spreadsheet
 * numbers them) and the column (by name and letter).
 *
 * Splitting into cells is Papa Parse's job: quoted fields, doubled quotes, newlines inside
 * quotes and the delimiter guess are what RFC 4180 files from spreadsheets contain, and a
 * well-tested library gets them right where a hand-written splitter would miss one.
 */
import Papa from 'papaparse';
import { formatBytes } from '../checkpoint/messages.ts';

/** The file is read whole in a worker and its table is stored with every checkpoint of the run. */
export const CSV_MAX_BYTES = 5 * 1000 * 1000;
export const CSV_MAX_ROWS = 100_000;
/** Fewer rows leave almost nothing to hold out for the test loss. */
export const CSV_MIN_ROWS = 10;
/** More classes than this is more likely an id or a measurement than a label. */
export const CSV_MAX_CLASSES = 20;

/** A column of the file, summarised for choosing features and a label. */
export interface CsvColumn {
  /** The header cell, or the column's letter when the file has no header. */
  name: string;
  /** A, B, …, Z, AA, … as a spreadsheet labels it. */
  letter: string;
  /** Each data row's value; NaN where the cell is empty or not a number. */
  numbers: Float64Array;
  /** Data-row index of the first empty cell, or -1. */
  firstEmpty: number;
  /** Data-row index of the first cell that is not a number, or -1; `firstText` is its text. */
  firstNotNumber: number;
  firstText: string;
  /** The column's distinct values in order of appearance, at most CSV_MAX_CLASSES of them. */
  distinct: string[];
  /** Data-row index where a value beyond the first CSV_MAX_CLASSES distinct ones appears, or -1. */
  tooManyAt: number;
  /** Index into `distinct` per data row (valid while tooManyAt is -1); 255 for an empty cell. */
  codes: Uint8Array;
}

export interface ParsedCsv {
  fileName: string;
  /** Whether row 1 holds column names (see hasHeaderRow). */
  hasHeader: boolean;
  /** Data rows, not counting the header. */
  rowCount: number;
  columns: CsvColumn[];
}

export type CsvReadResult = { ok: true; csv: ParsedCsv } | { ok: false; message: string };

/** A plain decimal number, as spreadsheets write them: 3, -0.5, .5, 1e-3. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
export const isNumberCell = (cell: string) => NUMBER.test(cell.trim());

/** 0 → A, 25 → Z, 26 → AA: the column letters of a spreadsheet. */
export function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** `column "petal length" (C)`, or `column C` when the name is only the letter. */
export function describeColumn(column: Pick<CsvColumn, 'name' | 'letter'>): string {
  return column.name === column.letter ? `column ${column.letter}` : `column "${column.name}" (${column.letter})`;
}

/** The spreadsheet row of a data row: row 1 is the header when there is one. */
export const sheetRow = (csv: Pick<ParsedCsv, 'hasHeader'>, dataRow: number) => dataRow + (csv.hasHeader ? 2 : 1);

const rows = (n: number) => `${n.toLocaleString('en')} ${n === 1 ? 'row' : 'rows'}`;

/** Refuses a file by its size alone, before it is read. */
export function csvSizeProblem(fileName: string, bytes: number): string | null {
  if (bytes === 0) return `The file "${fileName}" is empty; choose a CSV file with a row per example and a column per feature and label.`;
  if (bytes > CSV_MAX_BYTES) {
    return `The file "${fileName}" is ${formatBytes(bytes)}, more than the ${formatBytes(CSV_MAX_BYTES)} a CSV file may have; use fewer rows (at most ${CSV_MAX_ROWS.toLocaleString('en')}) or fewer columns.`;
  }
  return null;
}

/**
 * Row 1 holds column names when one of its cells is not a number while the cell below it is
 * (a header over numeric data), or when none of its cells is a number. A first row of
 * numbers with a text label ("5.1,3.5,setosa") is data: the label column is text all the way down.
 */
export function hasHeaderRow(first: string[], second: string[] | undefined): boolean {
  if (first.every((cell) => !isNumberCell(cell))) return true;
  return first.some((cell, i) => !isNumberCell(cell) && second !== undefined && isNumberCell(second[i] ?? ''));
}

/** Decodes, splits and summarises a CSV file; every problem with its structure becomes a sentence. */
export function readCsv(fileName: string, bytes: Uint8Array): CsvReadResult {
  const fail = (message: string): CsvReadResult => ({ ok: false, message });
  const sizeProblem = csvSizeProblem(fileName, bytes.length);
  if (sizeProblem) return fail(sizeProblem);
  if (bytes.includes(0)) return fail(`The file "${fileName}" looks like a binary file, not CSV text: it contains NUL bytes. Save it from your spreadsheet as "CSV (comma-separated values)".`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return fail(`The file "${fileName}" is not UTF-8 text. Save it from your spreadsheet as "CSV UTF-8" and load it again.`);
  }
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: false, delimitersToGuess: [',', ';', '\t'] });
  const quoteError = parsed.errors.find((e) => e.type === 'Quotes');
  if (quoteError) return fail(`Row ${(quoteError.row ?? 0) + 1} of "${fileName}" opens a quoted cell that is never closed; close the quote (") or remove it.`);
  const records = parsed.data;
  // Editors end files with a newline, which reads as one empty record; blank lines at the end are not rows.
  while (records.length > 0 && records.at(-1)!.every((cell) => cell.trim() === '')) records.pop();
  if (records.length === 0) return fail(`The file "${fileName}" has no rows; it needs a row per example.`);

  const width = records[0].length;
  if (width < 2) return fail(`Row 1 of "${fileName}" has only one column, but a CSV to train on needs at least two: the inputs and what to predict. Separate the columns with commas.`);
  const hasHeader = hasHeaderRow(records[0], records[1]);
  const data = hasHeader ? records.slice(1) : records;
  const firstRow = hasHeader ? 2 : 1;
  if (data.length > CSV_MAX_ROWS) {
    return fail(`"${fileName}" has ${rows(data.length)} of data, more than the ${rows(CSV_MAX_ROWS)} allowed; row ${(CSV_MAX_ROWS + firstRow).toLocaleString('en')} is the first beyond the limit. Use a sample of the rows.`);
  }
  if (data.length < CSV_MIN_ROWS) {
    const which = data.length === 0 ? 'no data rows' : `only ${rows(data.length)} of data (rows ${firstRow} to ${firstRow + data.length - 1})`;
    return fail(`"${fileName}" has ${which}, but at least ${CSV_MIN_ROWS} are needed to train on some and test on the others. Add rows.`);
  }
  const wide = data.findIndex((record) => record.length > width);
  if (wide >= 0) {
    return fail(`Row ${wide + firstRow} of "${fileName}" has ${data[wide].length} cells, but row 1 has ${width}; every row needs the same columns. Remove the extra cells or the stray comma.`);
  }
  const names = records[0].map((cell, i) => (hasHeader && cell.trim() !== '' ? cell.trim() : columnLetter(i)));
  const columns = names.map((name, i) => summariseColumn(name, columnLetter(i), data, i));
  return { ok: true, csv: { fileName, hasHeader, rowCount: data.length, columns } };
}

function summariseColumn(name: string, letter: string, data: string[][], index: number): CsvColumn {
  const numbers = new Float64Array(data.length);
  const codes = new Uint8Array(data.length);
  const seen = new Map<string, number>();
  const column: CsvColumn = { name, letter, numbers, firstEmpty: -1, firstNotNumber: -1, firstText: '', distinct: [], tooManyAt: -1, codes };
  for (let row = 0; row < data.length; row++) {
    const cell = (data[row][index] ?? '').trim();
    if (cell === '') {
      if (column.firstEmpty < 0) column.firstEmpty = row;
      numbers[row] = NaN;
      codes[row] = 255;
      continue;
    }
    const number = NUMBER.test(cell) ? Number(cell) : NaN;
    numbers[row] = number;
    if (Number.isNaN(number) && column.firstNotNumber < 0) {
      column.firstNotNumber = row;
      column.firstText = cell;
    }
    if (column.tooManyAt >= 0) continue;
    // "1" and "1.0" are one class; text labels are compared as written.
    const key = Number.isNaN(number) ? cell : String(number);
    let code = seen.get(key);
    if (code === undefined) {
      if (seen.size === CSV_MAX_CLASSES) {
        column.tooManyAt = row;
        continue;
      }
      code = seen.size;
      seen.set(key, code);
    }
    codes[row] = code;
  }
  column.distinct = [...seen.keys()];
  return column;
}
