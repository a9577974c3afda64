import {
  defaultConfig,
  MAX_HIDDEN_LAYERS,
  NUMERIC_FIELDS,
  parseNumericField,
  type DemoKind,
  type Feature,
  type NumericField,
  type TrainConfig,
} from '../../lib/engine/config.ts';
import { validateCustomText } from '../../lib/text/data/custom-text.ts';
import type { CsvTable } from '../../lib/datasets/csv-table.ts';
import type { OwnData } from '../../lib/worker/protocol.ts';

/** A form field: a numeric config key, or `hidden.<i>` for the units of hidden layer i. */
export type FieldPath = NumericField | `hidden.${number}`;

type ChoiceKey = 'dataset' | 'model' | 'activation' | 'optimizer' | 'schedule';

/**
 * The settings as typed, with a message per field. Only values that pass validation reach
 * `config` and are handed on; a bad value stays in its box with its message beside it.
 */
export class SettingsForm {
  #apply: (config: TrainConfig, own: OwnData) => void;
  config = $state.raw<TrainConfig>(defaultConfig());
  /** The text demo's own text, as validated; undefined until a valid one is given. Never in a link. */
  customText = $state.raw<string | undefined>(undefined);
  /** The CSV table of the 2D and curve demos, as validated (see CsvSource); never in a link. */
  csvTable = $state.raw<CsvTable | undefined>(undefined);
  texts = $state<Record<string, string>>({});
  errors = $state<Record<string, string>>({});

  constructor(apply: (config: TrainConfig, own: OwnData) => void) {
    this.#apply = apply;
  }

  /** Shows `config` without applying it (e.g. when the worker set up a run). */
  load(config: TrainConfig): void {
    this.config = config;
    const texts: Record<string, string> = {};
    for (const field of Object.keys(NUMERIC_FIELDS) as NumericField[]) {
      if (field !== 'hiddenUnits') texts[field] = String(config[field]);
    }
    config.hidden.forEach((units, i) => (texts[`hidden.${i}`] = String(units)));
    this.texts = texts;
    this.errors = {};
    this.#requireCustomText(config.dataset === 'custom');
    this.#requireCsv(config.dataset === 'csv');
  }

  get hasErrors(): boolean {
    return Object.keys(this.errors).length > 0;
  }

  /** Validates as the user types; shows or clears the field's message. */
  validate(path: FieldPath, text: string): number | null {
    this.texts[path] = text;
    const result = parseNumericField(path.startsWith('hidden.') ? 'hiddenUnits' : (path as NumericField), text);
    if (result.ok) {
      delete this.errors[path];
      return result.value;
    }
    this.errors[path] = result.message;
    return null;
  }

  /** Validates and, if the value is good, applies it. */
  commit(path: FieldPath, text: string): void {
    const value = this.validate(path, text);
    if (value === null) return;
    if (path.startsWith('hidden.')) {
      const hidden = [...this.config.hidden];
      hidden[Number(path.slice(7))] = value;
      this.#update({ hidden });
    } else {
      this.#update({ [path]: value });
    }
  }

  choose(key: ChoiceKey, value: string): void {
    if (key === 'dataset') {
      this.#requireCustomText(value === 'custom');
      this.#requireCsv(value === 'csv');
      // Placed points belong to the points dataset only; another dataset leaves them behind.
      if (value !== 'points' && this.config.points.length > 0) return this.#update({ dataset: value, points: [] } as Partial<TrainConfig>);
    }
    this.#update({ [key]: value } as Partial<TrainConfig>);
  }

  /**
   * Checks the student's text where it enters (typed, pasted or dropped); only text that
   * passes reaches the run, and a refusal stays beside the field as a sentence.
   */
  setCustomText(input: string | Uint8Array): void {
    const result = validateCustomText(input);
    if (!result.ok) {
      this.errors.customText = result.message;
      return;
    }
    delete this.errors.customText;
    this.customText = result.text;
    if (this.config.dataset === 'custom') this.#update({});
  }

  /** A stored run's own text, shown without applying it (it is already the run's). */
  loadCustomText(text: string): void {
    this.customText = text;
    delete this.errors.customText;
  }

  /**
   * A CSV table that passed every check: the run trains on it from now on (switching the
   * dataset to `csv` if needed).
   */
  setCsvTable(table: CsvTable): void {
    delete this.errors.csv;
    this.csvTable = table;
    this.#update({ dataset: 'csv' });
  }

  /**
   * A refused CSV file or choice of columns: its sentence shows, and Train waits for a valid
   * one. Nothing is applied, so the run on screen and the store stay as they were.
   */
  refuseCsv(message: string): void {
    this.csvTable = undefined;
    this.errors.csv = message;
    if (this.config.dataset !== 'csv') this.config = { ...this.config, dataset: 'csv' };
  }

  /** A stored run's CSV table, shown without applying it (it is already the run's). */
  loadCsvTable(table: CsvTable): void {
    this.csvTable = table;
    delete this.errors.csv;
  }

  /** Without a table (as when a link set up a CSV run: links never carry the data), the csv dataset cannot apply. */
  #requireCsv(csv: boolean): void {
    if (csv && this.csvTable === undefined) {
      this.errors.csv ??= 'This experiment trains on a CSV file of your own, and a link never carries the data: load the file with Load CSV, or drop it on the page.';
    } else if (!csv) delete this.errors.csv;
  }

  /** Until there is text of one's own, the custom dataset cannot apply: say what is missing. */
  #requireCustomText(custom: boolean): void {
    if (custom && this.customText === undefined) this.errors.customText = 'Paste or drop your own text into "Your text" (at least 300 characters) to train on it.';
    else if (!custom) delete this.errors.customText;
  }

  /** Switching demo loads that demo's defaults, keeping the seed. */
  chooseDemo(demo: DemoKind): void {
    const next = { ...defaultConfig(demo), seed: this.config.seed };
    // A table's label is a class in one demo and a number in the other: load the file again there.
    this.csvTable = undefined;
    this.load(next);
    this.#apply(next, {});
  }

  toggleFeature(feature: Feature, on: boolean): void {
    const features = on ? [...this.config.features, feature] : this.config.features.filter((f) => f !== feature);
    if (features.length === 0) {
      this.errors.features = 'Choose at least one input feature.';
      return;
    }
    delete this.errors.features;
    this.#update({ features });
  }

  /** The curve demo's training points, placed on the picture; [] goes back to the generated sine. */
  setPoints(points: [number, number][]): void {
    this.#update({ dataset: points.length > 0 ? 'points' : 'sine', points });
  }

  addLayer(): void {
    if (this.config.hidden.length >= MAX_HIDDEN_LAYERS) return;
    const units = this.config.hidden.at(-1) ?? 8;
    this.texts[`hidden.${this.config.hidden.length}`] = String(units);
    this.#update({ hidden: [...this.config.hidden, units] });
  }

  removeLayer(): void {
    if (this.config.hidden.length === 0) return;
    const last = this.config.hidden.length - 1;
    delete this.texts[`hidden.${last}`];
    delete this.errors[`hidden.${last}`];
    this.#update({ hidden: this.config.hidden.slice(0, -1) });
  }

  #update(change: Partial<TrainConfig>): void {
    // A field still showing an error keeps the whole form from applying: no half-valid config.
    const others = Object.keys(this.errors).filter((key) => !(key in change) && !(key.startsWith('hidden.') && 'hidden' in change));
    this.config = { ...this.config, ...change };
    if (others.length === 0) this.#apply(this.config, this.#ownData());
  }

  /** The data of one's own the config's dataset trains on, if any. */
  #ownData(): OwnData {
    if (this.config.dataset === 'custom') return { customText: this.customText };
    if (this.config.dataset === 'csv') return { csv: this.csvTable };
    return {};
  }
}
