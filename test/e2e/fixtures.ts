import AxeBuilder from '@axe-core/playwright';
import { test as base, chromium, expect, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { CHROMIUM_FLAGS, WEBGPU_FLAGS, findChromium } from '../../scripts/chromium.mjs';

/** One row of the "Download losses (CSV)" file. */
export interface LossRow {
  step: number;
  /** Kept as text: equal strings mean bit-identical float32 values. */
  trainLoss: string;
}

/** The playground as a user sees it: buttons by accessible name, readouts by test id. */
export class PlaygroundPage {
  readonly trainButton: Locator;
  readonly pauseButton: Locator;
  readonly stepButton: Locator;
  readonly resetButton: Locator;
  readonly stopAtInput: Locator;
  readonly backend: Locator;
  readonly backendReason: Locator;
  readonly stepReadout: Locator;
  readonly lossReadout: Locator;
  readonly notice: Locator;
  readonly error: Locator;
  readonly saveButton: Locator;
  readonly saveStatus: Locator;
  readonly autosaveInput: Locator;
  readonly checkpointRows: Locator;
  readonly resumeOffer: Locator;
  readonly resumeButton: Locator;
  readonly startNewButton: Locator;
  readonly readOnly: Locator;
  readonly takeOverButton: Locator;
  readonly chart: Locator;
  /** The settings form; field lookups are scoped to it, since other panels reuse some names. */
  readonly settings: Locator;

  constructor(readonly page: Page) {
    this.trainButton = page.getByRole('button', { name: 'Train', exact: true });
    this.pauseButton = page.getByRole('button', { name: 'Pause', exact: true });
    this.stepButton = page.getByRole('button', { name: 'Step', exact: true });
    this.resetButton = page.getByRole('button', { name: 'Reset', exact: true });
    this.stopAtInput = page.getByLabel('Stop at step');
    this.backend = page.getByTestId('backend');
    this.backendReason = page.getByTestId('backend-reason');
    this.stepReadout = page.getByTestId('step');
    this.lossReadout = page.getByTestId('loss');
    this.notice = page.getByTestId('notice');
    this.error = page.getByTestId('error');
    this.saveButton = page.getByRole('button', { name: 'Save checkpoint' });
    this.saveStatus = page.getByTestId('save-status');
    this.autosaveInput = page.getByLabel('Autosave interval in seconds');
    this.checkpointRows = page.getByTestId('checkpoint-list').locator('tbody tr');
    this.resumeOffer = page.getByTestId('resume-offer');
    this.resumeButton = page.getByRole('button', { name: 'Resume', exact: true });
    this.startNewButton = page.getByRole('button', { name: 'Start new' });
    this.readOnly = page.getByTestId('read-only');
    this.takeOverButton = page.getByRole('button', { name: 'Take over' });
    this.chart = page.getByTestId('loss-chart');
    this.settings = page.getByRole('region', { name: 'Settings' });
  }

  /** A settings field by its label, e.g. field('Learning rate'). */
  field(label: string): Locator {
    return this.settings.getByLabel(label, { exact: true });
  }

  /** Opens the app (optionally with ?query or #hash) and waits until a run is set up. */
  async open(path = '') {
    await this.page.goto(`/${path}`);
    await expect(this.backend).toHaveText(/^(webgpu|webgl|wasm|cpu)$/);
    await expect(this.trainButton).toBeEnabled();
  }

  async stepCount(): Promise<number> {
    return Number(await this.stepReadout.textContent());
  }

  /** The latest training loss at full precision, from data-value. */
  async lossValue(): Promise<number> {
    return Number(await this.lossReadout.getAttribute('data-value'));
  }

  /** Trains until the step counter reaches `step` and training has paused by itself. */
  async trainTo(step: number) {
    await this.stopAtInput.fill(String(step));
    await this.trainButton.click();
    await expect(this.stepReadout).toHaveText(String(step), { timeout: 90_000 });
    await expect(this.trainButton).toBeVisible();
  }

  /** Picks a select option by its visible name, e.g. ('Optimizer', 'SGD with momentum'). */
  async choose(label: string, option: string) {
    await this.field(label).selectOption({ label: option });
  }

  /** Types a value into a settings field and commits it, as leaving the field does. */
  async setField(label: string, value: string) {
    const field = this.field(label);
    await field.fill(value);
    await field.press('Enter');
    await field.blur();
  }

  /** Waits for the checkpoint of `step` to be committed. */
  async expectSaved(step: number, reason?: string) {
    await expect(this.saveStatus).toHaveText(reason ? `Saved step ${step} (${reason}).` : new RegExp(`^Saved step ${step} \\(`));
  }

  /** Downloads the loss history through the page's own CSV button. */
  async downloadLosses(): Promise<LossRow[]> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByRole('button', { name: 'Download losses (CSV)' }).click()]);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const [, ...rows] = Buffer.concat(chunks).toString('utf8').trim().split('\n');
    return rows.map((row) => {
      const [step, trainLoss] = row.split(',');
      return { step: Number(step), trainLoss };
    });
  }
}

/**
 * A browser with its own profile directory, like a user's Chromium: closing it and opening
 * it again on the same directory is "closing the tab and coming back tomorrow".
 */
export async function openProfile(userDataDir: string, baseURL: string, options: { webgpu?: boolean } = {}): Promise<{ context: BrowserContext; page: Page; playground: PlaygroundPage }> {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: findChromium() ?? undefined,
    args: [...CHROMIUM_FLAGS, ...(options.webgpu === false ? [] : WEBGPU_FLAGS)],
    baseURL,
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, playground: new PlaygroundPage(page) };
}

/**
 * Runs axe on the whole page and fails with one line per violation, naming the elements it found.
 * Soft, so that a test auditing several states reports all of them in one run.
 */
export async function expectNoAxeViolations(page: Page, state: string) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const report = violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length} elements): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
  expect.soft(report, `axe found accessibility violations ${state}; fix each element listed.`).toEqual([]);
}

export const test = base.extend<{ playground: PlaygroundPage }>({
  playground: async ({ page }, use) => {
    await use(new PlaygroundPage(page));
  },
});
export { expect };
