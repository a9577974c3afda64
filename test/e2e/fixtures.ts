import { test as base, expect, type Locator, type Page } from '@playwright/test';

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
}

export const test = base.extend<{ playground: PlaygroundPage }>({
  playground: async ({ page }, use) => {
    await use(new PlaygroundPage(page));
  },
});
export { expect };
