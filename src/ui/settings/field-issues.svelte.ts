import type { SettingsForm } from './settings-form.svelte.ts';

/**
 * Every field on the page that is currently invalid, so Train can refuse to start and say why.
 * The settings form keeps its own messages; the fields outside it (Stop at step, Autosave)
 * report theirs here.
 */
export class FieldIssues {
  #form: SettingsForm;
  #outside = $state<Record<string, string>>({});

  constructor(form: SettingsForm) {
    this.#form = form;
  }

  /** Records (or, with null, clears) the message of a field outside the settings form. */
  report(field: string, message: string | null): void {
    if (message === null) delete this.#outside[field];
    else this.#outside[field] = message;
  }

  /** The first invalid field's message, or null when every field holds a valid value. */
  get first(): string | null {
    return Object.values(this.#form.errors)[0] ?? Object.values(this.#outside)[0] ?? null;
  }
}
