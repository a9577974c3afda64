import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { expectSameNextLosses } from './resume-support.ts';
import { defaultConfig, parseConfig, type TrainConfig } from '../../src/lib/engine/config.ts';
import { Trainer } from '../../src/lib/engine/trainer.ts';
import { buildDataset } from '../../src/lib/datasets/registry.ts';
import { splitIndices, takeRows } from '../../src/lib/datasets/split.ts';
import { tableFingerprint, type CsvTable } from '../../src/lib/datasets/csv-table.ts';
import { decodeTensors, encodeCheckpoint } from '../../src/lib/checkpoint/codec.ts';
import { fromCheckpoint, toCheckpointInput } from '../../src/lib/checkpoint/training-state.ts';
import { exportCheckpointZip, readCheckpointFiles } from '../../src/lib/share/checkpoint-file.ts';
import { experimentHash, parseExperimentHash } from '../../src/lib/share/hash-state.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 60 rows, three features on very different scales, three classes by the sign pattern. */
function table(): CsvTable {
  const rows = 60;
  const x = new Float32Array(rows * 3);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = Math.sin(i * 1.7);
    const b = Math.cos(i * 0.9);
    x.set([1000 + 300 * a, 0.01 * b, i], i * 3);
    y[i] = a > 0.3 ? 2 : b > 0 ? 1 : 0;
  }
  const data = { fileName: 'measurements.csv', featureNames: ['mass', 'width', 'index'], labelName: 'kind', classNames: ['low', 'mid', 'high'], x, y };
  return { ...data, fingerprint: tableFingerprint(data) };
}

const CONFIG: TrainConfig = { ...defaultConfig('classify2d'), dataset: 'csv', batchSize: 8, hidden: [8] };

describe('a CSV run', () => {
  it('accepts the csv dataset in the 2D and curve demos only', () => {
    expect(parseConfig(CONFIG).dataset).toBe('csv');
    expect(parseConfig({ ...defaultConfig('curve'), dataset: 'csv' }).dataset).toBe('csv');
    expect(() => parseConfig({ ...defaultConfig('digits'), dataset: 'csv' })).toThrow('The digits demo cannot use the csv dataset');
  });

  it('standardises the features with statistics of the training rows only', () => {
    const data = table();
    const dataset = buildDataset(CONFIG, { csv: { table: data } });
    const { train } = splitIndices(60, CONFIG.testFraction, CONFIG.seed);
    const trainRaw = takeRows(data.x, 3, train);
    const mass = Array.from({ length: train.length }, (_, i) => trainRaw[i * 3]);
    const mean = mass.reduce((a, b) => a + b, 0) / mass.length;
    expect(dataset.csv!.standardisation.mean[0]).toBeCloseTo(mean, 3);
    expect(dataset.inputShape).toEqual([3]);
    expect(dataset.classes).toBe(3);
    for (let k = 0; k < 3; k++) {
      const column = Array.from({ length: train.length }, (_, i) => dataset.trainX[i * 3 + k]);
      const m = column.reduce((a, b) => a + b, 0) / column.length;
      const s = Math.sqrt(column.reduce((a, b) => a + (b - m) ** 2, 0) / column.length);
      expect(m).toBeCloseTo(0, 5);
      expect(s).toBeCloseTo(1, 4);
    }
    // Stored statistics are used as they are, so a resumed run sees exactly the same inputs.
    const stored = { mean: [0, 0, 0], std: [1, 1, 1] };
    expect(buildDataset(CONFIG, { csv: { table: data, standardisation: stored } }).trainX).toEqual(trainRaw);
    expect(() => buildDataset(CONFIG)).toThrow('This run trains on a CSV file, which is not loaded; load it with Load CSV first.');
  });

  it('standardises a regression output too, and draws its points in the curve picture', () => {
    const rows = 40;
    const data = {
      fileName: 'prices.csv',
      featureNames: ['size'],
      labelName: 'price',
      classNames: [],
      x: Float32Array.from({ length: rows }, (_, i) => 50 + i),
      y: Float32Array.from({ length: rows }, (_, i) => 100_000 + 2_000 * i),
    };
    const regression: CsvTable = { ...data, fingerprint: tableFingerprint(data) };
    const dataset = buildDataset({ ...defaultConfig('curve'), dataset: 'csv' }, { csv: { table: regression } });
    expect(dataset.classes).toBe(0);
    expect(Math.max(...dataset.trainY.map(Math.abs))).toBeLessThan(2);
    expect(dataset.csv!.standardisation.targetStd).toBeGreaterThan(10_000);
    expect(dataset.trainPoints!.length).toBe(dataset.trainX.length * 2);
  });

  it('exports its table with the checkpoint, imports without the file, and continues bit-identically', async () => {
    const trainer = Trainer.create(CONFIG, buildDataset(CONFIG, { csv: { table: table() } }));
    for (let i = 0; i < 6; i++) trainer.trainStep();
    await trainer.evaluate();
    const input = await toCheckpointInput(await trainer.captureState(), { runId: 'run-1', runName: 'My CSV', config: CONFIG, backend: 'cpu' });
    expect(input.tensors.find((t) => t.name === 'data/x')?.shape).toEqual([60, 3]);
    expect((input.state as { csv: { classNames: string[] } }).csv.classNames).toEqual(['low', 'mid', 'high']);
    const { manifest, chunks } = await encodeCheckpoint(input, { id: 'checkpoint-1', chunkSize: 4096 });
    const zip = await exportCheckpointZip({ manifest, tensors: decodeTensors(manifest, chunks) });

    const imported = await readCheckpointFiles([{ name: 'my-csv.zip', bytes: zip }]);
    if (imported.kind !== 'checkpoint') throw new Error('The export should import as a checkpoint.');
    const { config, captured } = fromCheckpoint({ manifest: imported.manifest, tensors: imported.input.tensors });
    // The fingerprint is computed afresh from what was read back, so equal fingerprints mean equal data.
    expect(captured.csv?.table).toEqual(table());
    expect(tableFingerprint({ ...table(), y: table().y.map((v) => (v + 1) % 3) })).not.toBe(table().fingerprint);
    expect(captured.csv?.standardisation).toEqual(trainer.dataset.csv!.standardisation);
    // Only weights and optimizer state become tensors; the data stays plain numbers.
    expect(captured.tensors.some((t) => t.name.startsWith('data/'))).toBe(false);
    const resumed = await Trainer.restore(config, buildDataset(config, { csv: captured.csv }), captured);
    tf.dispose(captured.tensors.map((t) => t.tensor));

    await expectSameNextLosses(trainer, resumed);
  });

  it('refuses a checkpoint whose CSV data is missing', async () => {
    const trainer = Trainer.create(CONFIG, buildDataset(CONFIG, { csv: { table: table() } }));
    trainer.trainStep();
    const input = await toCheckpointInput(await trainer.captureState(), { runId: 'run-1', runName: 'My CSV', config: CONFIG, backend: 'cpu' });
    trainer.dispose();
    const { manifest, chunks } = await encodeCheckpoint({ ...input, tensors: input.tensors.filter((t) => t.name !== 'data/y') }, { id: 'c', chunkSize: 4096 });
    expect(() => fromCheckpoint({ manifest, tensors: decodeTensors(manifest, chunks) })).toThrow('The checkpoint cannot be resumed: it lacks the tensor "data/y" holding the CSV data.');
  });

  it('keeps the data out of a share link, which still names the csv dataset', () => {
    const hash = experimentHash({ config: CONFIG, hide: [] });
    expect(hash).not.toContain('measurements');
    const parsed = parseExperimentHash(hash);
    expect(parsed.kind === 'ok' && parsed.experiment.config.dataset).toBe('csv');
  });
});
