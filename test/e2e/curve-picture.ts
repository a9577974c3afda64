import { expect, type Locator, type Page } from '@playwright/test';

/** Data units the curve picture spans (X_EXTENT, Y_EXTENT in src/lib/datasets/sine.ts). */
const X_EXTENT = 3;
const Y_EXTENT = 2;

/**
 * The curve demo's picture as a user handles it: points placed, dragged and removed at data
 * coordinates, and the fitted curve read back from the canvas's data attributes.
 */
export class CurvePicture {
  readonly canvas: Locator;
  readonly message: Locator;
  readonly backToSine: Locator;

  constructor(readonly page: Page) {
    this.canvas = page.getByTestId('curve-fit');
    this.message = page.getByTestId('curve-message');
    this.backToSine = page.getByRole('button', { name: 'Back to the sine' });
  }

  /** Where the data point (x, y) is on the screen. */
  async at(x: number, y: number): Promise<{ x: number; y: number }> {
    const box = (await this.canvas.boundingBox())!;
    return { x: box.x + ((x + X_EXTENT) / (2 * X_EXTENT)) * box.width, y: box.y + (0.5 - y / (2 * Y_EXTENT)) * box.height };
  }

  async pointCount(): Promise<number> {
    return Number(await this.canvas.getAttribute('data-point-count'));
  }

  /** The fitted curve's value at x (its nearest drawn sample), or NaN before it is drawn. */
  async fitAt(x: number): Promise<number> {
    const ys = ((await this.canvas.getAttribute('data-fit')) ?? '').split(',').map(Number);
    if (ys.length < 2) return Number.NaN;
    return ys[Math.round(((x + X_EXTENT) / (2 * X_EXTENT)) * (ys.length - 1))];
  }

  async click(x: number, y: number, button: 'left' | 'right' = 'left') {
    const point = await this.at(x, y);
    await this.page.mouse.click(point.x, point.y, { button });
  }

  /** Presses on (x, y), moves to (toX, toY) in steps, and lets go. */
  async drag(x: number, y: number, toX: number, toY: number) {
    const from = await this.at(x, y);
    const to = await this.at(toX, toY);
    await this.page.mouse.move(from.x, from.y);
    await this.page.mouse.down();
    await this.page.mouse.move(to.x, to.y, { steps: 10 });
    await this.page.mouse.up();
  }

  /** The points drawn, as placed: the page shows an edit at once. */
  async expectPointCount(count: number) {
    await expect(this.canvas).toHaveAttribute('data-point-count', String(count));
  }

  /**
   * The points the run trains on, as the worker confirmed them. A count below the batch size
   * needs a fused kernel of its own, which can take half a minute to compile on a busy software
   * GPU; meanwhile the run trains on the points before.
   */
  async expectTrainedOn(count: number) {
    await expect(this.canvas).toHaveAttribute('data-trained-points', String(count), { timeout: 90_000 });
  }
}
