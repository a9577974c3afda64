import { Rng } from '../engine/rng.ts';

/** x spans [-X_EXTENT, X_EXTENT]; the network sees x / X_EXTENT. */
export const X_EXTENT = 3;
/** The picture shows y in [-Y_EXTENT, Y_EXTENT]; placed points stay inside it. */
export const Y_EXTENT = 2;
/**
 * Most points one can place: plenty to draw any shape on a 360 px picture, and a share link
 * with this many stays under ~7,000 characters.
 */
export const MAX_CURVE_POINTS = 300;

/** The curve the demo fits; the picture draws it as the ground truth. */
export const trueCurve = (x: number): number => Math.sin(1.5 * x);

/** Noisy samples of the sine, as interleaved (x, y) points. */
export function generateSine(count: number, noise: number, seed: number): Float32Array {
  const rng = Rng.seeded(seed, 'data:sine');
  const points = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    const x = rng.uniform(-X_EXTENT, X_EXTENT);
    points[2 * i] = x;
    points[2 * i + 1] = trueCurve(x) + rng.normal() * noise * 0.5;
  }
  return points;
}
