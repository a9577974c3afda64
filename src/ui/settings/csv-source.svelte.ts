import { defaultChoice, type CsvChoice } from '../../lib/datasets/csv-table.ts';
import type { CsvSummary } from '../../lib/worker/csv-messages.ts';
import { CsvReader } from './csv-reader.ts';
import type { SettingsForm } from './settings-form.svelte.ts';

/** The demos that train on a CSV file, and what its label column means there. */
export const CSV_DEMOS = { classify2d: 'classification', curve: 'regression' } as const;
export const takesCsv = (demo: string): demo is keyof typeof CSV_DEMOS => demo in CSV_DEMOS;

/**
 * The CSV file the student loaded and the columns they picked. The file is read, and each
 * choice of columns checked and built into a table, off the page (CsvReader); only a table
 * that passes goes to the form, and from there to the trainer. A refusal is the form's `csv` error.
 */
export class CsvSource {
  readonly #form: SettingsForm;
  readonly #reader = new CsvReader();
  /** The file's column names, for the picker; null before a file, or when the run came from a checkpoint. */
  parsed = $state.raw<CsvSummary | null>(null);
  choice = $state.raw<CsvChoice | null>(null);
  /** The name of the file being read, while it is. */
  reading = $state<string | null>(null);

  constructor(form: SettingsForm) {
    this.#form = form;
  }

  /** Reads a chosen or dropped file; its default choice of columns applies at once if it passes. */
  async load(file: File): Promise<void> {
    const demo = this.#form.config.demo;
    if (!takesCsv(demo)) return;
    this.reading = file.name;
    const result = await this.#reader.read(file);
    this.reading = null;
    if (!result.ok) {
      this.forget();
      this.#form.refuseCsv(result.message);
      return;
    }
    this.parsed = result.csv;
    await this.choose(defaultChoice(result.csv, CSV_DEMOS[demo]));
  }

  /** A new choice of feature and label columns; applied if it passes. */
  async choose(choice: CsvChoice): Promise<void> {
    const demo = this.#form.config.demo;
    if (!this.parsed || !takesCsv(demo)) return;
    this.choice = choice;
    const result = await this.#reader.build(choice, CSV_DEMOS[demo]);
    // A later file or choice has the last word.
    if ('stale' in result || this.choice !== choice) return;
    if (result.ok) this.#form.setCsvTable(result.table);
    else this.#form.refuseCsv(result.message);
  }

  toggleFeature(index: number, on: boolean): void {
    if (!this.choice) return;
    const features = on ? [...this.choice.features, index].sort((a, b) => a - b) : this.choice.features.filter((i) => i !== index);
    void this.choose({ ...this.choice, features });
  }

  /** Switching demo forgets the picker: a label means something else in the other demo. */
  forget(): void {
    this.parsed = null;
    this.choice = null;
  }

  dispose(): void {
    this.#reader.dispose();
  }
}
