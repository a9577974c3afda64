import { describe, expect, it } from 'vitest';
import { columnLetter, CSV_MAX_BYTES, CSV_MAX_ROWS, csvSizeProblem, readCsv, type ParsedCsv } from '../../src/lib/datasets/csv-parse.ts';
import { buildCsvTable, defaultChoice } from '../../src/lib/datasets/csv-table.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

function parse(text: string, name = 'data.csv'): ParsedCsv {
  const result = readCsv(name, bytes(text));
  if (!result.ok) throw new Error(`Expected "${name}" to parse, but: ${result.message}`);
  return result.csv;
}

function refusal(text: string, name = 'data.csv'): string {
  const result = readCsv(name, bytes(text));
  if (result.ok) throw new Error(`Expected "${name}" to be refused.`);
  return result.message;
}

/** n rows of `row(i)` under an optional header. */
const csvOf = (header: string | null, n: number, row: (i: number) => string) => [...(header ? [header] : []), ...Array.from({ length: n }, (_, i) => row(i))].join('\n') + '\n';

/** Twelve rows: two numeric features and a text label (two classes). */
const IRIS_LIKE = csvOf('petal length,petal width,species', 12, (i) => `${1 + i / 10},${0.2 + i / 20},${i % 2 ? 'versicolor' : 'setosa'}`);

describe('reading a CSV file', () => {
  it('names columns from a header row, and letters them when there is none', () => {
    const withHeader = parse(IRIS_LIKE);
    expect(withHeader.hasHeader).toBe(true);
    expect(withHeader.rowCount).toBe(12);
    expect(withHeader.columns.map((c) => [c.name, c.letter])).toEqual([['petal length', 'A'], ['petal width', 'B'], ['species', 'C']]);

    // Numbers with a text label in row 1 are data: the label column is text all the way down.
    const headerless = parse(csvOf(null, 12, (i) => `${i},${i * 2},${i % 2 ? 'cat' : 'dog'}`));
    expect(headerless.hasHeader).toBe(false);
    expect(headerless.rowCount).toBe(12);
    expect(headerless.columns.map((c) => c.name)).toEqual(['A', 'B', 'C']);
  });

  it('reads quoted cells with commas, quotes and line breaks, a BOM, CRLF line ends and semicolons', () => {
    const rows = Array.from({ length: 10 }, (_, i) => `${i},"a, ""quoted""\nlabel ${i % 2}"`);
    const csv = parse('\uFEFFx,name\r\n' + rows.join('\r\n') + '\r\n');
    expect(csv.columns[0].name).toBe('x');
    expect(csv.columns[1].distinct).toEqual(['a, "quoted"\nlabel 0', 'a, "quoted"\nlabel 1']);
    const semicolons = parse(csvOf('a;b', 10, (i) => `${i};${i % 2}`));
    expect(semicolons.columns.map((c) => c.name)).toEqual(['a', 'b']);
  });

  it('letters columns as a spreadsheet does', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(columnLetter)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA']);
  });

  it('refuses fewer than 10 rows, naming the rows it has', () => {
    expect(refusal(csvOf('x,y', 7, (i) => `${i},${i % 2}`))).toBe(
      '"data.csv" has only 7 rows of data (rows 2 to 8), but at least 10 are needed to train on some and test on the others. Add rows.',
    );
  });

  it('refuses more than 100,000 rows, naming the first row beyond the limit', () => {
    const message = refusal(csvOf('x,y', CSV_MAX_ROWS + 1, (i) => `${i % 10},${i % 2}`));
    expect(message).toBe('"data.csv" has 100,001 rows of data, more than the 100,000 rows allowed; row 100,002 is the first beyond the limit. Use a sample of the rows.');
  });

  it('refuses a file over 5 MB before reading it, and an empty one', () => {
    expect(csvSizeProblem('big.csv', CSV_MAX_BYTES + 1)).toBe('The file "big.csv" is 5.0 MB, more than the 5.0 MB a CSV file may have; use fewer rows (at most 100,000) or fewer columns.');
    expect(csvSizeProblem('ok.csv', CSV_MAX_BYTES)).toBeNull();
    expect(refusal('', 'empty.csv')).toContain('The file "empty.csv" is empty');
  });

  it('refuses a row with more cells than row 1, and a quote that is never closed', () => {
    const rows = csvOf('x,y', 12, (i) => (i === 4 ? `${i},1,9` : `${i},${i % 2}`));
    expect(refusal(rows)).toBe('Row 6 of "data.csv" has 3 cells, but row 1 has 2; every row needs the same columns. Remove the extra cells or the stray comma.');
    expect(refusal(csvOf('x,y', 12, (i) => (i === 3 ? `${i},"open` : `${i},${i % 2}`)))).toContain('opens a quoted cell that is never closed');
  });

  it('refuses binary and non-UTF-8 files', () => {
    expect(readCsv('x.csv', new Uint8Array([120, 0, 44, 49]))).toMatchObject({ ok: false, message: expect.stringContaining('binary file') });
    expect(readCsv('x.csv', new Uint8Array([120, 0xff, 0xfe, 44]))).toMatchObject({ ok: false, message: expect.stringContaining('not UTF-8 text') });
  });
});

describe('choosing the columns', () => {
  const choose = (text: string, features: number[], label: number, kind: 'classification' | 'regression' = 'classification') => buildCsvTable(parse(text), { features, label }, kind);
  const messageOf = (result: ReturnType<typeof choose>) => (result.ok ? 'accepted' : result.message);

  it('defaults to the last column as the label and the others as features', () => {
    expect(defaultChoice(parse(IRIS_LIKE), 'classification')).toEqual({ features: [0, 1], label: 2 });
    expect(defaultChoice(parse(IRIS_LIKE), 'regression')).toEqual({ features: [0], label: 2 });
  });

  it('maps labels to classes in sorted order, numerically for numbers, and keeps the names', () => {
    const text = choose(IRIS_LIKE, [0, 1], 2);
    if (!text.ok) throw new Error(text.message);
    expect(text.table.classNames).toEqual(['setosa', 'versicolor']);
    expect(Array.from(text.table.y.slice(0, 4))).toEqual([0, 1, 0, 1]);
    expect(text.table.featureNames).toEqual(['petal length', 'petal width']);
    expect(Array.from(text.table.x.slice(0, 4))).toEqual([1, 0.2, 1.1, 0.25].map(Math.fround));

    // "10" after "2", and "1.0" is the same class as "1".
    const numbers = choose(csvOf('x,label', 12, (i) => `${i},${['10', '2', '1', '1.0'][i % 4]}`), [0], 1);
    if (!numbers.ok) throw new Error(numbers.message);
    expect(numbers.table.classNames).toEqual(['1', '2', '10']);
    expect(Array.from(numbers.table.y.slice(0, 4))).toEqual([2, 1, 0, 0]);
  });

  it('names the row and column of a cell that is not a number', () => {
    const text = csvOf('height,weight,kind', 12, (i) => `${i},${i === 6 ? 'heavy' : i},${i % 2}`);
    expect(messageOf(choose(text, [0, 1], 2))).toBe(
      'Row 8, column "weight" (B) holds "heavy", which is not a number, and feature columns must hold numbers. Fix the cell, or choose another feature column.',
    );
    // The same column is fine when it is not chosen.
    expect(messageOf(choose(text, [0], 2))).toBe('accepted');
  });

  it('names the row and column of a missing value, in an empty cell or a short row', () => {
    expect(messageOf(choose(csvOf('a,b,c', 12, (i) => (i === 2 ? `1,,0` : `${i},${i},${i % 2}`)), [0, 1], 2))).toBe(
      'Row 4, column "b" (B) is empty, but every row needs a value in each feature column. Fill in the cell or delete the row.',
    );
    expect(messageOf(choose(csvOf(null, 12, (i) => (i === 9 ? `${i},${i}` : `${i},${i},${i % 2}`)), [0, 1], 2))).toBe(
      'Row 10, column C is empty, but every row needs a label. Fill in the cell or delete the row.',
    );
  });

  it('refuses a label with only one class, naming its column and rows', () => {
    expect(messageOf(choose(csvOf('x,y,label', 12, (i) => `${i},${-i},yes`), [0, 1], 2))).toBe(
      'The label column "label" (C) holds only one class ("yes") in rows 2 to 13, but a classifier needs at least two. Choose another label column.',
    );
  });

  it('refuses more than 20 classes, naming the row of the 21st', () => {
    expect(messageOf(choose(csvOf('x,id', 30, (i) => `${i},${i}`), [0], 1))).toBe(
      'The label column "id" (B) holds more than 20 different values (row 22 has the 21st), but at most 20 classes are allowed. Choose a label column with fewer distinct values.',
    );
    expect(messageOf(choose(csvOf('x,id', 30, (i) => `${i},${i % 20}`), [0], 1))).toBe('accepted');
  });

  it('refuses a label column that is also a feature', () => {
    expect(messageOf(choose(IRIS_LIKE, [0, 1, 2], 2))).toBe(
      'The column "species" (C) is chosen both as the label and as a feature; a model must not see the answer among its inputs. Untick it, or choose another label.',
    );
    expect(messageOf(choose(IRIS_LIKE, [0, 1], 1, 'regression'))).toContain('chosen both as the output and as the input');
  });

  it('takes a numeric output for regression, and refuses a text one', () => {
    const regression = choose(csvOf('x,y', 12, (i) => `${i},${i * i}`), [0], 1, 'regression');
    if (!regression.ok) throw new Error(regression.message);
    expect(regression.table.classNames).toEqual([]);
    expect(Array.from(regression.table.y.slice(0, 4))).toEqual([0, 1, 4, 9]);
    expect(messageOf(choose(IRIS_LIKE, [0], 2, 'regression'))).toBe(
      'Row 2, column "species" (C) holds "setosa", which is not a number, and output columns must hold numbers. Fix the cell, or choose another output column.',
    );
  });
});
