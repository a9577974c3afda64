import { addPoint, editablePoints, movePoint, nearestPoint, placedPoint, removePoint, type CurvePoint, type PointsEdit } from '../../lib/datasets/curve-points.ts';
import { X_EXTENT, Y_EXTENT } from '../../lib/datasets/sine.ts';

/** The picture's drawing size in canvas pixels; CSS may scale it down. */
export const CURVE_WIDTH = 360;
export const CURVE_HEIGHT = 260;
/** A press held this long without moving removes the point under it (touch and pen). */
export const LONG_PRESS_MS = 500;
/** Further than this (canvas pixels) from where it started, a press is a drag, not a long press. */
const MOVE_TOLERANCE = 6;
/** How close (canvas pixels) a press must come to a point to take it: a fingertip is wider than a cursor. */
const HIT_RADIUS = { mouse: 9, touch: 18 };
/** Keyboard cursor steps, in data units: arrows, and with Shift. */
const KEY_STEP = 0.1;
const BIG_KEY_STEP = 0.5;
const MOVES: Record<string, [number, number]> = { ArrowUp: [0, 1], ArrowDown: [0, -1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };

const SCALE_X = CURVE_WIDTH / (2 * X_EXTENT);
const SCALE_Y = CURVE_HEIGHT / (2 * Y_EXTENT);
/** Canvas pixels from data units and back. */
export const toPixelX = (x: number) => (x + X_EXTENT) * SCALE_X;
export const toPixelY = (y: number) => CURVE_HEIGHT / 2 - y * SCALE_Y;
const fromPixels = (px: number, py: number): [number, number] => [px / SCALE_X - X_EXTENT, (CURVE_HEIGHT / 2 - py) / SCALE_Y];

/** What the editor reads from the run on screen, and how it hands on an edit. */
export interface CurveEditorHost {
  /** The placed points when the run trains on them; null when it trains on the generated sine. */
  placed(): CurvePoint[] | null;
  /** The run's training points as drawn: where the first edit starts from. */
  trainPoints(): Float32Array | undefined;
  /** False while the points may not change (a run shown read-only, or data fixed by a link). */
  editable(): boolean;
  /** The new training points; [] goes back to the generated sine. */
  apply(points: CurvePoint[]): void;
}

/**
 * Placing, dragging and removing the curve demo's training points with a mouse, a finger, a
 * pen or the keyboard. Every edit goes to `host.apply` at once; the page sends the newest one
 * to the worker whenever the one before it has been applied.
 */
export class CurveEditor {
  /** The point being dragged or held by the keyboard, or -1. */
  active = $state(-1);
  /** The keyboard cursor in data units. */
  cursor = $state<CurvePoint>([0, 0]);
  /** Why the last edit was refused, or what happened to the points, as a sentence; null when all is well. */
  message = $state<string | null>(null);

  readonly #host: CurveEditorHost;
  #press: { pointerId: number; x: number; y: number; moved: boolean; timer: ReturnType<typeof setTimeout> | null } | null = null;
  #lastPointerType = 'mouse';

  constructor(host: CurveEditorHost) {
    this.#host = host;
  }

  /** The training points to draw: the placed ones, or the sine's own until the first edit. */
  get points(): CurvePoint[] {
    return this.#host.placed() ?? this.#startingPoints()?.points ?? [];
  }

  get usesPlacedPoints(): boolean {
    return this.#host.placed() !== null;
  }

  backToSine(): void {
    this.message = null;
    this.active = -1;
    this.#host.apply([]);
  }

  pointerDown(event: PointerEvent, canvas: HTMLCanvasElement): void {
    this.#lastPointerType = event.pointerType;
    // The right button removes, in contextMenu(); only the primary button places and drags.
    if (event.button !== 0 || !this.#host.editable()) return;
    this.message = null;
    const [px, py] = canvasPixels(event, canvas);
    const points = this.#editable();
    if (!points) return;
    const [x, y] = fromPixels(px, py);
    let index = nearestPoint(points, x, y, event.pointerType === 'mouse' ? HIT_RADIUS.mouse : HIT_RADIUS.touch, SCALE_X, SCALE_Y);
    const existing = index >= 0;
    if (!existing) {
      if (!this.#commit(addPoint(points, x, y))) return;
      index = points.length;
    }
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    this.active = index;
    // Only a point that was there before the press can be long-pressed away.
    const timer = existing ? setTimeout(() => this.#longPress(), LONG_PRESS_MS) : null;
    this.#press = { pointerId: event.pointerId, x: px, y: py, moved: false, timer };
  }

  pointerMove(event: PointerEvent, canvas: HTMLCanvasElement): void {
    const press = this.#press;
    if (!press || press.pointerId !== event.pointerId || this.active < 0) return;
    const [px, py] = canvasPixels(event, canvas);
    if (!press.moved && Math.hypot(px - press.x, py - press.y) < MOVE_TOLERANCE) return;
    press.moved = true;
    this.#clearTimer();
    const [x, y] = fromPixels(px, py);
    this.#host.apply(movePoint(this.points, this.active, x, y));
  }

  pointerUp(event: PointerEvent): void {
    if (this.#press?.pointerId !== event.pointerId) return;
    this.#clearTimer();
    this.#press = null;
    this.active = -1;
  }

  /** A right-click on a point removes it. A touch's long press opens no menu either: its timer removes the point. */
  contextMenu(event: MouseEvent, canvas: HTMLCanvasElement): void {
    if (!this.#host.editable()) return;
    if (this.#lastPointerType !== 'mouse') {
      event.preventDefault();
      return;
    }
    const [x, y] = fromPixels(...canvasPixels(event, canvas));
    const points = this.#editable();
    const index = points ? nearestPoint(points, x, y, HIT_RADIUS.mouse, SCALE_X, SCALE_Y) : -1;
    if (index < 0) return;
    event.preventDefault();
    this.#commit(removePoint(points!, index));
  }

  /**
   * Arrows move the cursor (Shift: further) and a held point with it; Enter or Space adds a
   * point at the cursor, or picks up the point under it, or drops the one held; Delete or
   * Backspace removes the held point or the one under the cursor; Escape drops.
   */
  key(event: KeyboardEvent): void {
    if (!this.#host.editable()) return;
    const move = MOVES[event.key];
    if (move || ['Enter', ' ', 'Delete', 'Backspace'].includes(event.key)) this.message = null;
    if (move) {
      const step = event.shiftKey ? BIG_KEY_STEP : KEY_STEP;
      const [x, y] = placedPoint(this.cursor[0] + move[0] * step, this.cursor[1] + move[1] * step);
      this.cursor = [x, y];
      if (this.active >= 0) this.#host.apply(movePoint(this.points, this.active, x, y));
    } else if (event.key === 'Enter' || event.key === ' ') {
      this.#enter();
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      const points = this.#editable();
      const index = this.active >= 0 ? this.active : this.#underCursor();
      if (points && index >= 0 && this.#commit(removePoint(points, index))) this.active = -1;
    } else if (event.key === 'Escape') {
      this.active = -1;
    } else {
      return;
    }
    // The page must not scroll while the arrows move the cursor.
    event.preventDefault();
  }

  #enter(): void {
    if (this.active >= 0) {
      this.active = -1;
      return;
    }
    const under = this.#underCursor();
    if (under >= 0) {
      this.active = under;
      this.cursor = [...this.points[under]];
      return;
    }
    const points = this.#editable();
    if (points) this.#commit(addPoint(points, ...this.cursor));
  }

  #underCursor(): number {
    return nearestPoint(this.points, this.cursor[0], this.cursor[1], HIT_RADIUS.mouse, SCALE_X, SCALE_Y);
  }

  #longPress(): void {
    const press = this.#press;
    const points = this.#editable();
    if (!press || press.moved || this.active < 0 || !points) return;
    press.timer = null;
    if (this.#commit(removePoint(points, this.active))) this.active = -1;
  }

  /** The points to edit, or null (with a message) before the run's data is there. */
  #editable(): CurvePoint[] | null {
    const placed = this.#host.placed();
    if (placed) return placed;
    const start = this.#startingPoints();
    if (!start) this.message = 'The run is still being set up; place points once its data shows.';
    else if (start.dropped > 0) this.message = `Only the first ${start.points.length} training points can be edited; the other ${start.dropped} were left out. Lower Samples to keep them all.`;
    return start?.points ?? null;
  }

  #startingPoints(): { points: CurvePoint[]; dropped: number } | null {
    const trainPoints = this.#host.trainPoints();
    return trainPoints ? editablePoints(trainPoints) : null;
  }

  /** Hands on an accepted edit, or shows why it was refused; true when accepted. */
  #commit(edit: PointsEdit): boolean {
    if (!edit.ok) {
      this.message = edit.message;
      return false;
    }
    this.#host.apply(edit.points);
    return true;
  }

  #clearTimer(): void {
    if (this.#press?.timer) clearTimeout(this.#press.timer);
    if (this.#press) this.#press.timer = null;
  }
}

/** Where an event is on the canvas, in canvas pixels, however CSS scales the canvas. */
function canvasPixels(event: MouseEvent, canvas: HTMLCanvasElement): [number, number] {
  const box = canvas.getBoundingClientRect();
  return [((event.clientX - box.left) / box.width) * CURVE_WIDTH, ((event.clientY - box.top) / box.height) * CURVE_HEIGHT];
}
