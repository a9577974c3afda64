import { MAX_CURVE_POINTS, X_EXTENT, Y_EXTENT } from './sine.ts';

/** One training point of the curve demo, as config.points holds it. */
export type CurvePoint = [number, number];

/** The result of an edit: the new points, or why the edit was refused, as a sentence. */
export type PointsEdit = { ok: true; points: CurvePoint[] } | { ok: false; message: string };

const clamp = (value: number, extent: number) => Math.min(extent, Math.max(-extent, value));

/**
 * A point as placed: inside the picture, to two decimals (finer than a pixel of the picture,
 * and short in a share link).
 */
export function placedPoint(x: number, y: number): CurvePoint {
  const round = (value: number) => Math.round(value * 100) / 100 || 0;
  return [round(clamp(x, X_EXTENT)), round(clamp(y, Y_EXTENT))];
}

/**
 * The points an edit starts from: the run's training points (the generated sine's, the first
 * time), placed as placedPoint() would place them. Of a larger set only the first
 * MAX_CURVE_POINTS are kept; `dropped` says how many were not.
 */
export function editablePoints(trainPoints: Float32Array): { points: CurvePoint[]; dropped: number } {
  const count = trainPoints.length / 2;
  const kept = Math.min(count, MAX_CURVE_POINTS);
  const points = Array.from({ length: kept }, (_, i) => placedPoint(trainPoints[2 * i], trainPoints[2 * i + 1]));
  return { points, dropped: count - kept };
}

export function addPoint(points: readonly CurvePoint[], x: number, y: number): PointsEdit {
  if (points.length >= MAX_CURVE_POINTS) return { ok: false, message: `There are already ${MAX_CURVE_POINTS} points, the most a run can hold; remove one before adding another.` };
  return { ok: true, points: [...points, placedPoint(x, y)] };
}

export function movePoint(points: readonly CurvePoint[], index: number, x: number, y: number): CurvePoint[] {
  return points.map((point, i) => (i === index ? placedPoint(x, y) : point));
}

export function removePoint(points: readonly CurvePoint[], index: number): PointsEdit {
  if (points.length <= 1) return { ok: false, message: 'The last point stays: the network needs at least one point to fit. Press "Back to the sine" to start over.' };
  return { ok: true, points: points.filter((_, i) => i !== index) };
}

/**
 * The point nearest to (x, y) within `radius`, measured after scaling x and y by `scaleX` and
 * `scaleY` (pixels per unit, so the radius is in pixels); -1 when none is that close.
 */
export function nearestPoint(points: readonly CurvePoint[], x: number, y: number, radius: number, scaleX = 1, scaleY = 1): number {
  let best = -1;
  let bestDistance = radius * radius;
  points.forEach(([px, py], i) => {
    const distance = ((px - x) * scaleX) ** 2 + ((py - y) * scaleY) ** 2;
    if (distance <= bestDistance) {
      best = i;
      bestDistance = distance;
    }
  });
  return best;
}
