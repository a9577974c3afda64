/**
 * From a parsed CSV and the columns the student picked to the table a run trains on. This is
 * the second half of the edge: a choice that cannot train (a label that is also a feature, a
 * text cell in a feature, a single class) is refused here with a sentence, and only a table
 * that passes is handed to the trainer.
 */
import { CSV_MAX_CLASSES, describeColumn, sheetRow, type CsvColumn, type ParsedCsv } from './csv-parse.ts';

/** The columns a run uses, by index into ParsedCsv.columns. */
export interface CsvChoice {
  /** Inputs, in the order the network sees them. */
  features: number[];
  /** What to predict: the class label, or the output of a regression. */
  label: number;
}

/** The data of a CSV run, exactly as it is stored with the run's checkpoints. */
export interface CsvTable {
  fileName: string;
  featureNames: string[];
  labelName: string;
  /** Classification: the label values, class i being classNames[i]; empty for regression. */
  classNames: string[];
  /** Feature values as in the file (not standardised), rows × featureNames.length, row-major. */
  x: Float32Array;
  /** Per row: the class index, or the output value as in the file. */
  y: Float32Array;
  /** tableFingerprint() of the rest: equal fingerprints, equal tables. */
  fingerprint: string;
}

export type CsvTableResult = { ok: true; table: CsvTable } | { ok: false; message: string };

/** The default choice: the last column is the label (or output), the others are features. */
export function defaultChoice(csv: { columns: readonly unknown[] }, kind: 'classification' | 'regression'): CsvChoice {
  const last = csv.columns.length - 1;
  return kind === 'regression' ? { features: [0], label: last } : { features: csv.columns.slice(0, -1).map((_, i) => i), label: last };
}

/** Every cell a number: otherwise the first empty or text cell, as a sentence. */
function numericProblem(csv: ParsedCsv, column: CsvColumn, role: string): string | null {
  const { firstEmpty, firstNotNumber } = column;
  if (firstEmpty >= 0 && (firstNotNumber < 0 || firstEmpty < firstNotNumber)) {
    return `Row ${sheetRow(csv, firstEmpty)}, ${describeColumn(column)} is empty, but every row needs a value in each ${role} column. Fill in the cell or delete the row.`;
  }
  if (firstNotNumber >= 0) {
    const shown = column.firstText.length > 30 ? `${column.firstText.slice(0, 30)}…` : column.firstText;
    return `Row ${sheetRow(csv, firstNotNumber)}, ${describeColumn(column)} holds "${shown}", which is not a number, and ${role} columns must hold numbers. Fix the cell, or choose another ${role} column.`;
  }
  return null;
}

/**
 * Class names sorted, numerically when every label is a number ("2" before "10"), else as text
 * by code point, so the same file always gives the same class indices on any machine.
 */
function sortedClasses(distinct: string[]): string[] {
  const numeric = distinct.every((value) => !Number.isNaN(Number(value)));
  return [...distinct].sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function labelProblem(csv: ParsedCsv, column: CsvColumn): string | null {
  if (column.firstEmpty >= 0) {
    return `Row ${sheetRow(csv, column.firstEmpty)}, ${describeColumn(column)} is empty, but every row needs a label. Fill in the cell or delete the row.`;
  }
  if (column.tooManyAt >= 0) {
    return `The label ${describeColumn(column)} holds more than ${CSV_MAX_CLASSES} different values (row ${sheetRow(csv, column.tooManyAt)} has the ${CSV_MAX_CLASSES + 1}st), but at most ${CSV_MAX_CLASSES} classes are allowed. Choose a label column with fewer distinct values.`;
  }
  if (column.distinct.length < 2) {
    return `The label ${describeColumn(column)} holds only one class ("${column.distinct[0]}") in rows ${sheetRow(csv, 0)} to ${sheetRow(csv, csv.rowCount - 1)}, but a classifier needs at least two. Choose another label column.`;
  }
  return null;
}

/** Checks a choice of columns and builds the table; `kind` says whether the label is a class or a number. */
export function buildCsvTable(csv: ParsedCsv, choice: CsvChoice, kind: 'classification' | 'regression'): CsvTableResult {
  const fail = (message: string): CsvTableResult => ({ ok: false, message });
  const { columns } = csv;
  const label = columns[choice.label];
  if (!label) return fail(`Choose the column to predict: the ${kind === 'regression' ? 'output' : 'label'}.`);
  if (choice.features.length === 0) return fail(`Choose at least one ${kind === 'regression' ? 'input' : 'feature'} column.`);
  if (choice.features.includes(choice.label)) {
    return fail(`The ${describeColumn(label)} is chosen both as the ${kind === 'regression' ? 'output' : 'label'} and as ${kind === 'regression' ? 'the input' : 'a feature'}; a model must not see the answer among its inputs. Untick it, or choose another ${kind === 'regression' ? 'output' : 'label'}.`);
  }
  const role = kind === 'regression' ? 'input' : 'feature';
  for (const index of choice.features) {
    const problem = numericProblem(csv, columns[index], role);
    if (problem) return fail(problem);
  }
  const labelCheck = kind === 'regression' ? numericProblem(csv, label, 'output') : labelProblem(csv, label);
  if (labelCheck) return fail(labelCheck);

  const width = choice.features.length;
  const x = new Float32Array(csv.rowCount * width);
  choice.features.forEach((index, k) => {
    const values = columns[index].numbers;
    for (let row = 0; row < csv.rowCount; row++) x[row * width + k] = values[row];
  });
  let y: Float32Array;
  let classNames: string[] = [];
  if (kind === 'regression') {
    y = Float32Array.from(label.numbers);
  } else {
    classNames = sortedClasses(label.distinct);
    const classOf = label.distinct.map((value) => classNames.indexOf(value));
    y = new Float32Array(csv.rowCount);
    for (let row = 0; row < csv.rowCount; row++) y[row] = classOf[label.codes[row]];
  }
  const table = { fileName: csv.fileName, featureNames: choice.features.map((i) => columns[i].name), labelName: label.name, classNames, x, y };
  return { ok: true, table: { ...table, fingerprint: tableFingerprint(table) } };
}

/**
 * Two 32-bit FNV-1a hashes (different offsets) of the names and the bytes of x and y, as 16
 * hex digits: tells a table apart from another without comparing 100,000 rows each time a
 * setting changes.
 */
export function tableFingerprint(table: Omit<CsvTable, 'fingerprint'>): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const mix = (word: number) => {
    a = Math.imul(a ^ word, 0x01000193);
    b = Math.imul(b ^ word, 0x01000193) ^ (b >>> 15);
  };
  for (const char of JSON.stringify([table.fileName, table.featureNames, table.labelName, table.classNames])) mix(char.charCodeAt(0));
  for (const values of [table.x, table.y]) {
    mix(values.length);
    for (const word of new Uint32Array(values.buffer, values.byteOffset, values.length)) mix(word);
  }
  return [a, b].map((h) => (h >>> 0).toString(16).padStart(8, '0')).join('');
}

/** Whether two tables hold the same data under the same names (a copy sent again, say). */
export const sameTable = (a: CsvTable, b: CsvTable) => a.fingerprint === b.fingerprint;
