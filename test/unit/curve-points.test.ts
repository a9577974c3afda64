import { describe, expect, it } from 'vitest';
import { continuesRun, defaultConfig, isPointsChange, parseConfig, type TrainConfig } from '../../src/lib/engine/config.ts';
import { addPoint, editablePoints, movePoint, nearestPoint, placedPoint, removePoint, type CurvePoint } from '../../src/lib/datasets/curve-points.ts';
import { MAX_CURVE_POINTS } from '../../src/lib/datasets/sine.ts';
import { buildDataset } from '../../src/lib/datasets/registry.ts';
import { experimentHash, MAX_COMPARED_RUNS, MAX_HASH_LENGTH, MAX_NOTE_LENGTH, parseExperimentHash } from '../../src/lib/share/hash-state.ts';
import { describeDifferences } from '../../src/lib/share/config-diff.ts';

const withPoints = (points: CurvePoint[]): TrainConfig => ({ ...defaultConfig('curve'), dataset: 'points', points });
/** MAX_CURVE_POINTS points spread over the picture, with two decimals as the picture places them. */
const manyPoints = (): CurvePoint[] => Array.from({ length: MAX_CURVE_POINTS }, (_, i) => placedPoint(-2.99 + (5.98 * i) / MAX_CURVE_POINTS, -1.99 + ((i * 37) % 399) / 100));

function refusal(input: unknown): string {
  try {
    parseConfig(input);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('The config should have been refused.');
}

describe('curve points in the config', () => {
  it('accepts placed points, and configs saved before points existed', () => {
    const config = withPoints([[0.5, -0.25], [-3, 2]]);
    expect(parseConfig(config)).toEqual(config);
    const { points: _, ...old } = defaultConfig('curve');
    expect(parseConfig(old).points).toEqual([]);
  });

  it('refuses bad points with a sentence that names the point and what it should be', () => {
    expect(refusal(withPoints([[0, 0], [3.5, 0]]))).toBe("Point 2: A point's x must be a number from -3 to 3, inside the picture.");
    expect(refusal(withPoints([[0, -2.01]]))).toBe("Point 1: A point's y must be a number from -2 to 2, inside the picture.");
    expect(refusal(withPoints([[0, 0, 1] as unknown as CurvePoint]))).toBe('Point 1: Each point must be a pair of numbers [x, y], like [0.5, -0.25].');
    expect(refusal(withPoints([[0] as unknown as CurvePoint]))).toBe('Point 1: Each point must be a pair of numbers [x, y], like [0.5, -0.25].');
    expect(refusal(withPoints([['1', 0] as unknown as CurvePoint]))).toBe("Point 1: A point's x must be a number.");
    expect(refusal({ ...withPoints([]), points: 'abc' })).toBe('Points must be a list of [x, y] pairs, like [[0.5, -0.25], [1, 0.75]].');
    expect(refusal(withPoints([...manyPoints(), [0, 0]]))).toBe(`Use at most ${MAX_CURVE_POINTS} points.`);
    expect(refusal(withPoints([]))).toBe('The points dataset needs at least one point in "points"; place points on the picture, or use the sine dataset.');
    expect(refusal({ ...defaultConfig('curve'), points: [[0, 0]] })).toBe('Only the points dataset trains on "points", but the dataset is sine; set the dataset to points, or leave "points" empty.');
    expect(refusal({ ...defaultConfig('classify2d'), dataset: 'points', points: [[0, 0]] })).toMatch(/The classify2d demo cannot use the points dataset/);
  });

  it('continues the run when only the points change (or back to the sine), and not for other changes', () => {
    const sine = defaultConfig('curve');
    const placed = withPoints([[0, 0]]);
    expect(isPointsChange(sine, placed)).toBe(true);
    expect(isPointsChange(placed, sine)).toBe(true);
    expect(isPointsChange(placed, { ...withPoints([[0, 1]]), learningRate: 0.1 })).toBe(true);
    expect(isPointsChange(placed, { ...withPoints([[0, 1]]), seed: 2 })).toBe(false);
    expect(isPointsChange(placed, placed)).toBe(false);
    expect(continuesRun(sine, placed)).toBe(true);
    expect(continuesRun(sine, { ...sine, samples: 200 })).toBe(false);
    // A CSV file is data of its own: switching to or from it starts a new run.
    expect(continuesRun(sine, { ...sine, dataset: 'csv' })).toBe(false);
    expect(continuesRun({ ...sine, dataset: 'csv' }, placed)).toBe(false);
  });

  it('trains on the placed points and keeps the sine held-out points as the test set', () => {
    const sine = buildDataset(defaultConfig('curve'));
    const placed = buildDataset(withPoints([[1.5, 1], [-3, -2]]));
    expect(Array.from(placed.trainPoints!)).toEqual([1.5, 1, -3, -2]);
    expect(Array.from(placed.trainX)).toEqual([0.5, -1]);
    expect(Array.from(placed.trainY)).toEqual([1, -2]);
    expect(placed.testPoints).toEqual(sine.testPoints);
  });
});

describe('editing curve points', () => {
  it('places points inside the picture, to two decimals', () => {
    expect(placedPoint(1.23456, -0.98765)).toEqual([1.23, -0.99]);
    expect(placedPoint(9, -9)).toEqual([3, -2]);
    expect(placedPoint(-0.001, 0)).toEqual([0, 0]);
  });

  it('starts from the run\'s training points, keeping at most the maximum', () => {
    expect(editablePoints(Float32Array.from([0.123, 2.5, -1, 0.5]))).toEqual({ points: [[0.12, 2], [-1, 0.5]], dropped: 0 });
    const big = editablePoints(new Float32Array(2 * (MAX_CURVE_POINTS + 5)));
    expect(big.points).toHaveLength(MAX_CURVE_POINTS);
    expect(big.dropped).toBe(5);
  });

  it('adds, moves and removes, and refuses to go past the limits with a sentence', () => {
    const added = addPoint([[0, 0]], 1, 1);
    expect(added).toEqual({ ok: true, points: [[0, 0], [1, 1]] });
    expect(movePoint([[0, 0], [1, 1]], 1, 2, -1)).toEqual([[0, 0], [2, -1]]);
    expect(removePoint([[0, 0], [1, 1]], 0)).toEqual({ ok: true, points: [[1, 1]] });
    expect(removePoint([[0, 0]], 0)).toMatchObject({ ok: false, message: expect.stringMatching(/^The last point stays/) });
    expect(addPoint(manyPoints(), 0, 0)).toMatchObject({ ok: false, message: expect.stringMatching(new RegExp(`already ${MAX_CURVE_POINTS} points`)) });
  });

  it('finds the nearest point within a radius in pixels', () => {
    const points: CurvePoint[] = [[0, 0], [1, 0]];
    expect(nearestPoint(points, 0.9, 0.05, 10, 60, 65)).toBe(1);
    expect(nearestPoint(points, 0.5, 0, 10, 60, 65)).toBe(-1);
  });
});

describe('curve points in links and legends', () => {
  it('round-trip through a share link', () => {
    const config = withPoints(manyPoints());
    expect(parseExperimentHash(experimentHash({ config, hide: [] }))).toEqual({ kind: 'ok', experiment: { config, hide: [] } });
  });

  it('fit in a comparison link of the most runs, each with the most points, and the longest note', () => {
    const config = withPoints(manyPoints());
    const hash = experimentHash({ config, hide: [], compare: Array(MAX_COMPARED_RUNS - 1).fill(config), note: '😀'.repeat(MAX_NOTE_LENGTH) });
    expect(hash.length).toBeLessThanOrEqual(MAX_HASH_LENGTH);
    expect(parseExperimentHash(hash).kind).toBe('ok');
  });

  it('refuses a link with a point outside the picture, naming the setting and the point', () => {
    const hash = experimentHash({ config: withPoints([[0, 0], [0, 5]]), hide: [] });
    const result = parseExperimentHash(hash);
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.message).toMatch(/its setting "points" \(\[\[0,0\],\[0,5\]\]\) was refused: Point 2: A point's y must be a number from -2 to 2, inside the picture, so the default/);
  });

  it('name the difference in a comparison legend by count', () => {
    const sine = defaultConfig('curve');
    expect(describeDifferences([sine, withPoints([[0, 0], [1, 1]])])).toBe('dataset sine → points; placed points none → 2');
    expect(describeDifferences([withPoints([[0, 0]]), withPoints([[0, 1]])])).toBe('placed points 1 → 1, moved');
  });
});
