import { describe, expect, it } from 'vitest';
import { defaultConfig, DATASETS_2D, type TrainConfig } from '../../src/lib/engine/config.ts';
import { buildDataset, dataShapeFor } from '../../src/lib/datasets/registry.ts';
import { generatePoints, toFeatures, EXTENT } from '../../src/lib/datasets/points2d.ts';
import { drawingToDigit } from '../../src/lib/datasets/digit-input.ts';

describe('generated datasets', () => {
  for (const name of DATASETS_2D) {
    it(`${name} is a pure function of its seed, with both classes present`, () => {
      const a = generatePoints(name, 200, 0.2, 5);
      const b = generatePoints(name, 200, 0.2, 5);
      const c = generatePoints(name, 200, 0.2, 6);
      expect(b).toEqual(a);
      expect(c.points).not.toEqual(a.points);
      const ones = a.labels.reduce((sum, label) => sum + label, 0);
      expect(ones).toBeGreaterThan(40);
      expect(ones).toBeLessThan(160);
      for (const v of a.points) expect(Math.abs(v)).toBeLessThan(EXTENT * 1.5);
    });
  }

  it('builds the same train/test split and features for the same config, and the shapes match dataShapeFor', () => {
    const configs: TrainConfig[] = [
      { ...defaultConfig('classify2d'), features: ['x', 'y', 'x2', 'sinx'] },
      defaultConfig('curve'),
    ];
    for (const config of configs) {
      const first = buildDataset(config);
      expect(buildDataset(config)).toEqual(first);
      const { inputShape, classes } = dataShapeFor(config);
      expect(first.inputShape).toEqual(inputShape);
      expect(first.classes).toBe(classes);
      const width = inputShape.reduce((a, b) => a * b, 1);
      expect(first.trainX.length / width).toBe(first.trainY.length);
      expect(first.testY.length).toBe(Math.round(config.samples * config.testFraction));
      expect(first.trainY.length + first.testY.length).toBe(config.samples);
    }
  });

  it('maps points to the chosen features, scaled to about [-1, 1]', () => {
    const features = toFeatures(new Float32Array([6, -3]), ['x', 'y', 'x2', 'y2', 'xy', 'sinx', 'siny']);
    expect([...features].map((v) => Number(v.toFixed(5)))).toEqual([1, -0.5, 1, 0.25, -0.5, Number(Math.sin(6).toFixed(5)), Number(Math.sin(-3).toFixed(5))]);
  });
});

describe('a drawn digit', () => {
  it('is cropped, scaled into a 20×20 box and centred in 28×28, like MNIST', () => {
    const side = 100;
    const ink = new Float32Array(side * side);
    // A bar in the top-left corner: 10 wide, 40 tall.
    for (let y = 5; y < 45; y++) for (let x = 5; x < 15; x++) ink[y * side + x] = 1;
    const digit = drawingToDigit(ink, side);
    const rows = Array.from({ length: 28 }, (_, y) => digit.subarray(y * 28, y * 28 + 28));
    const inkedRows = rows.map((row, y) => (row.some((v) => v > 0.5) ? y : -1)).filter((y) => y >= 0);
    const inkedCols = Array.from({ length: 28 }, (_, x) => (rows.some((row) => row[x] > 0.5) ? x : -1)).filter((x) => x >= 0);
    expect(inkedRows[0]).toBe(4);
    expect(inkedRows.at(-1)).toBe(23);
    expect(inkedCols[0]).toBeGreaterThanOrEqual(11);
    expect(inkedCols.at(-1)).toBeLessThanOrEqual(16);
    expect(drawingToDigit(new Float32Array(side * side), side).every((v) => v === 0)).toBe(true);
  });
});
