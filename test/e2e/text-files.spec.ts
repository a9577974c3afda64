import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { test, expect, type PlaygroundPage } from './fixtures.ts';
import { pickTinyText } from './text-support.ts';
import { nanoGptLoss, readSafetensors, type NanoGptConfig } from '../support/nanogpt-reference.ts';
import { buildTextDataset, DEFAULT_TEXT_DATA_CONFIG, heldOutWindows, nameListAssetPath } from '../../src/lib/text/data/index.ts';
import type { TrainConfig } from '../../src/lib/engine/config.ts';

/** The held-out windows the TextTrainer scores at every evaluation (its HELD_OUT_WINDOWS). */
const HELD_OUT_WINDOWS = 64;

interface ExportedManifest {
  config: TrainConfig;
  metrics: { testLoss: number };
  state: { progress: { step: number }; text: { fingerprint: string } };
  chunkSize: number;
  chunks: unknown[];
  tensors: { name: string; shape: number[]; chunk: number; offset: number; length: number }[];
}

/** Clicks Export and returns the downloaded .zip. */
async function exportZip(playground: PlaygroundPage): Promise<Uint8Array> {
  const [file] = await Promise.all([playground.page.waitForEvent('download'), playground.page.getByRole('button', { name: 'Export', exact: true }).click()]);
  const chunks: Buffer[] = [];
  for await (const chunk of await file.createReadStream()) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** The tensors of checkpoint.json, cut from its chunks as FORMAT.md lays them out. */
function checkpointTensors(manifest: ExportedManifest, entries: Record<string, Uint8Array>): Map<string, { shape: number[]; bytes: Uint8Array }> {
  const stream = Buffer.concat(manifest.chunks.map((_, i) => entries[`chunks/${i}.bin`]));
  return new Map(manifest.tensors.map((t) => [t.name, { shape: t.shape, bytes: new Uint8Array(stream.subarray(t.chunk * manifest.chunkSize + t.offset, t.chunk * manifest.chunkSize + t.offset + t.length)) }]));
}

/** The city names the run held out, cut as the worker cuts them (DatasetSource.buildText), in windows as the trainer scores them. */
function heldOutCityWindows(config: TrainConfig, fingerprint: string) {
  const list = readFileSync(new URL(`../../public/${nameListAssetPath('cities')}`, import.meta.url), 'utf8');
  const { seed, testFraction, taskLength, taskDigits } = config;
  const dataset = buildTextDataset({ ...DEFAULT_TEXT_DATA_CONFIG, textDataset: 'cities', seed, testFraction, taskLength, taskDigits }, { nameList: list });
  expect(dataset.fingerprint, 'the city list on disk should be the one the app trained on').toBe(fingerprint);
  return heldOutWindows(dataset.heldOutTokens, config.context, HELD_OUT_WINDOWS);
}

/** nanoGPT's state_dict for 1 layer, written out by hand from model.py, with their PyTorch shapes. */
function nanoGptStateDict(vocab: number, context: number, width: number): [string, number[]][] {
  const h = 'transformer.h.0';
  return [
    ['transformer.wte.weight', [vocab, width]],
    ['transformer.wpe.weight', [context, width]],
    [`${h}.ln_1.weight`, [width]],
    [`${h}.ln_1.bias`, [width]],
    [`${h}.attn.c_attn.weight`, [3 * width, width]],
    [`${h}.attn.c_attn.bias`, [3 * width]],
    [`${h}.attn.c_proj.weight`, [width, width]],
    [`${h}.attn.c_proj.bias`, [width]],
    [`${h}.ln_2.weight`, [width]],
    [`${h}.ln_2.bias`, [width]],
    [`${h}.mlp.c_fc.weight`, [4 * width, width]],
    [`${h}.mlp.c_fc.bias`, [4 * width]],
    [`${h}.mlp.c_proj.weight`, [width, 4 * width]],
    [`${h}.mlp.c_proj.bias`, [width]],
    ['transformer.ln_f.weight', [width]],
    ['transformer.ln_f.bias', [width]],
    ['lm_head.weight', [vocab, width]],
  ];
}

test('a Text run exports model.safetensors that nanoGPT reads as the same model, and its zip imports and resumes the run', async ({ playground, page }) => {
  const k = 20;
  await playground.open('?backend=cpu');
  await pickTinyText(playground);
  await playground.trainTo(k);
  // A save on Pause evaluates at the step it saves: checkpoint.json's test loss is of these weights.
  await playground.expectSaved(k, 'pause');
  const sample = page.getByTestId('sample');
  await expect(sample).toHaveAttribute('data-step', String(k));
  const written = (await sample.textContent())!;
  const zip = await exportZip(playground);

  await test.step('model.safetensors: header, names, shapes and bytes equal to the checkpoint’s weights', async () => {
    const entries = unzipSync(zip);
    const manifest = JSON.parse(strFromU8(entries['checkpoint.json'])) as ExportedManifest;
    const config = JSON.parse(strFromU8(entries['config.json'])) as NanoGptConfig & { chars: string[]; bias: boolean };
    expect(config).toMatchObject({ block_size: 16, n_layer: 1, n_head: 4, n_embd: 16, bias: true });
    expect(config.chars).toHaveLength(config.vocab_size);
    expect(config.chars).toContain('\n');

    const file = entries['model.safetensors'];
    const { names, metadata, tensors, dataStart } = readSafetensors(file);
    expect(dataStart % 8, 'the data should start 8-byte aligned').toBe(0);
    expect(metadata).toEqual({ format: 'pt' });
    const expected = nanoGptStateDict(config.vocab_size, 16, 16);
    expect(names).toEqual(expected.map(([name]) => name));
    for (const [name, shape] of expected) expect(tensors.get(name), name).toMatchObject({ dtype: 'F32', shape });

    // The weights the run resumes from. Ours are stored in PyTorch's [out, in] layout already,
    // so each tensor's bytes are the checkpoint's as they are; lm_head repeats the tied wte.
    const stored = checkpointTensors(manifest, entries);
    for (const [name] of expected) {
      const source = stored.get(name === 'lm_head.weight' ? 'transformer.wte.weight' : name)!;
      expect(source.shape, name).toEqual(tensors.get(name)!.shape);
      expect(new Uint8Array(tensors.get(name)!.values.buffer), name).toEqual(source.bytes);
    }

    // That this layout is PyTorch's, and the names mean what nanoGPT means by them: its forward
    // pass (y = x · Wᵀ + b) on these weights scores the held-out names as the app did at step k.
    expect(manifest.state.progress.step).toBe(k);
    const windows = heldOutCityWindows(manifest.config, manifest.state.text.fingerprint);
    const loss = nanoGptLoss(tensors, config, windows);
    expect(Math.abs(loss - manifest.metrics.testLoss) / manifest.metrics.testLoss, `nanoGPT ${loss} vs the app ${manifest.metrics.testLoss}`).toBeLessThan(1e-5);
  });

  await test.step('importing the zip resumes the run: the same losses as training on without it', async () => {
    await playground.trainTo(2 * k);
    const straight = await playground.downloadLosses();
    await page.getByTestId('import-input').setInputFiles({ name: 'cities.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) });
    // Import verifies every chunk, stores the run, restores it and evaluates; slow on a loaded machine.
    await expect(playground.notice).toContainText('Imported', { timeout: 90_000 });
    await expect(playground.stepReadout).toHaveText(String(k));
    await expect(playground.field('Demo')).toHaveValue('text');
    await expect(sample).toHaveText(written);
    await playground.trainTo(2 * k);
    expect(await playground.downloadLosses()).toEqual(straight);
  });
});
