import type { DatasetName, Feature } from '../engine/config.ts';
import { Rng } from '../engine/rng.ts';

/** Points live in [-6, 6]², like playground.tensorflow.org, so sin x and sin y bend visibly. */
export const EXTENT = 6;

export interface LabelledPoints {
  /** Interleaved x, y. */
  points: Float32Array;
  labels: Float32Array;
}

type Generator = (count: number, noise: number, rng: Rng) => LabelledPoints;

function build(count: number, pointAt: (i: number) => [number, number, number]): LabelledPoints {
  const points = new Float32Array(count * 2);
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const [x, y, label] = pointAt(i);
    points[2 * i] = x;
    points[2 * i + 1] = y;
    labels[i] = label;
  }
  return { points, labels };
}

/** Two interleaved arms; the classic hard case for a small network. */
const spiral: Generator = (count, noise, rng) => {
  const half = Math.ceil(count / 2);
  return build(count, (i) => {
    const label = i < half ? 0 : 1;
    const k = i % half;
    const r = (k / half) * 5;
    const t = 1.75 * (k / half) * 2 * Math.PI + label * Math.PI;
    return [r * Math.sin(t) + rng.uniform(-1, 1) * noise, r * Math.cos(t) + rng.uniform(-1, 1) * noise, label];
  });
};

/** A disc inside a ring. */
const circles: Generator = (count, noise, rng) => {
  const radius = 5;
  return build(count, (i) => {
    const label = i % 2;
    const r = label === 0 ? rng.uniform(0, radius * 0.5) : rng.uniform(radius * 0.7, radius);
    const angle = rng.uniform(0, 2 * Math.PI);
    return [r * Math.sin(angle) + rng.uniform(-radius, radius) * noise * 0.3, r * Math.cos(angle) + rng.uniform(-radius, radius) * noise * 0.3, label];
  });
};

/** Opposite quadrants share a class. */
const xor: Generator = (count, noise, rng) =>
  build(count, () => {
    const padding = 0.3;
    let x = rng.uniform(-5, 5);
    x += x > 0 ? padding : -padding;
    let y = rng.uniform(-5, 5);
    y += y > 0 ? padding : -padding;
    const label = x * y >= 0 ? 1 : 0;
    return [x + rng.uniform(-5, 5) * noise * 0.3, y + rng.uniform(-5, 5) * noise * 0.3, label];
  });

/** Two normal blobs; noise widens them until they overlap. */
const gaussians: Generator = (count, noise, rng) =>
  build(count, (i) => {
    const label = i % 2;
    const centre = label === 0 ? 2 : -2;
    const spread = 0.5 + noise * 3;
    return [centre + rng.normal() * spread, centre + rng.normal() * spread, label];
  });

/** A 4×4 board of alternating squares. */
const checkerboard: Generator = (count, noise, rng) =>
  build(count, () => {
    const x = rng.uniform(-EXTENT, EXTENT);
    const y = rng.uniform(-EXTENT, EXTENT);
    const label = (Math.floor((x + EXTENT) / 3) + Math.floor((y + EXTENT) / 3)) % 2;
    return [x + rng.uniform(-1, 1) * noise, y + rng.uniform(-1, 1) * noise, label];
  });

export const POINT_GENERATORS: Record<string, Generator> = { spiral, circles, xor, gaussians, checkerboard };

export function generatePoints(name: DatasetName, count: number, noise: number, seed: number): LabelledPoints {
  const generator = POINT_GENERATORS[name];
  if (!generator) throw new Error(`There is no 2D dataset named "${name}"; expected one of ${Object.keys(POINT_GENERATORS).join(', ')}.`);
  return generator(count, noise, Rng.seeded(seed, `data:${name}`));
}

/** Scales chosen so each feature stays within about [-1, 1]. */
const FEATURE_FUNCTIONS: Record<Feature, (x: number, y: number) => number> = {
  x: (x) => x / EXTENT,
  y: (_, y) => y / EXTENT,
  x2: (x) => (x * x) / (EXTENT * EXTENT),
  y2: (_, y) => (y * y) / (EXTENT * EXTENT),
  xy: (x, y) => (x * y) / (EXTENT * EXTENT),
  sinx: (x) => Math.sin(x),
  siny: (_, y) => Math.sin(y),
};

/** Maps interleaved (x, y) points to the network's input features, row-major. */
export function toFeatures(points: Float32Array, features: readonly Feature[]): Float32Array {
  const count = points.length / 2;
  const out = new Float32Array(count * features.length);
  for (let i = 0; i < count; i++) {
    const x = points[2 * i];
    const y = points[2 * i + 1];
    features.forEach((feature, k) => {
      out[i * features.length + k] = FEATURE_FUNCTIONS[feature](x, y);
    });
  }
  return out;
}
