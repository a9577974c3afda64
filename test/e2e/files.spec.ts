import { strFromU8, strToU8, unzipSync } from 'fflate';
import { test, expect, type PlaygroundPage } from './fixtures.ts';
import { editManifest, rezip } from '../support/zip-edits.ts';

/** Clicks an export button and returns the downloaded .zip. */
async function download(playground: PlaygroundPage, button = playground.page.getByRole('button', { name: 'Export', exact: true })): Promise<Uint8Array> {
  const [file] = await Promise.all([playground.page.waitForEvent('download'), button.click()]);
  const chunks: Buffer[] = [];
  for await (const chunk of await file.createReadStream()) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

async function importFile(playground: PlaygroundPage, name: string, bytes: Uint8Array) {
  await playground.page.getByTestId('import-input').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
}

test('Export, then Import, then resume gives the same losses as continuing without the round trip', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.trainTo(20);
  await playground.expectSaved(20, 'pause');
  const zip = await download(playground);
  const entries = unzipSync(zip);
  expect(Object.keys(entries)).toEqual(expect.arrayContaining(['model.json', 'weights.bin', 'checkpoint.json', 'chunks/0.bin']));
  expect(JSON.parse(strFromU8(entries['model.json'])).format).toBe('layers-model');

  await playground.trainTo(40);
  const straight = await playground.downloadLosses();

  await importFile(playground, 'spiral.zip', zip);
  await expect(playground.notice).toContainText('Imported');
  await expect(playground.stepReadout).toHaveText('20');
  await expect(page.getByTestId('stored-run')).toHaveCount(2);
  await playground.trainTo(40);
  const resumed = await playground.downloadLosses();
  expect(resumed).toEqual(straight);
});

/** Sets the uncompressed size of every central-directory entry, as a hostile zip would claim. */
function claimHugeEntries(zip: Uint8Array): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  for (let i = 0; i + 46 <= out.length; i++) {
    if (view.getUint32(i, true) === 0x02014b50) view.setUint32(i + 24, 0xf0000000, true);
  }
  return out;
}

test('six bad files each get a clear message and leave the store unchanged', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.trainTo(10);
  await playground.expectSaved(10, 'pause');
  const zip = await download(playground);
  const storage = page.getByRole('region', { name: 'Storage' });
  const before = await storage.locator('summary').textContent();
  const runsBefore = await page.getByTestId('stored-run').count();

  const badFiles: [string, string, Uint8Array, RegExp][] = [
    ['a truncated file', 'cut.zip', zip.subarray(0, Math.floor(zip.length / 2)), /is incomplete or damaged.*get the file again\.$/],
    ['a file that is not a zip', 'notes.txt', strToU8('these are my notes, not a checkpoint'), /is neither a \.zip archive nor a model\.json\./],
    ['a hash mismatch', 'flipped.zip', rezip(zip, (e) => (e['chunks/0.bin'][100] ^= 0xff)), /does not match its xxh64 checksum, so the file is damaged\./],
    ['an unknown version', 'future.zip', editManifest(zip, (m) => (m.version = 99)), /format version 99, but this playground reads only versions 1 and 2\./],
    ['an oversized file', 'huge.zip', claimHugeEntries(zip), /unpacks to 4\.0 GB, more than the .+ one file may have, so the import was stopped\./],
    ['a wrong model shape', 'reshaped.zip', editManifest(zip, (m) => (m.config.hidden = [16, 12])), /needs float32 of shape \[16, 12\].*cannot be imported/],
  ];
  for (const [what, name, bytes, message] of badFiles) {
    await test.step(what, async () => {
      await importFile(playground, name, bytes);
      await expect(playground.error).toHaveText(message);
      await expect(playground.error).toHaveText(/^[A-Z"].*\.$/);
      await expect(storage.locator('summary')).toHaveText(before!);
      await expect(page.getByTestId('stored-run')).toHaveCount(runsBefore);
      await expect(playground.stepReadout).toHaveText('10');
    });
  }
});

test('a checkpoint whose TensorFlow.js copy is damaged imports from its own chunks, says so, and exports a good copy again', async ({ playground }) => {
  await playground.open('?backend=cpu');
  await playground.trainTo(6);
  await playground.expectSaved(6, 'pause');
  const zip = await download(playground);
  await playground.resetButton.click();
  await expect(playground.stepReadout).toHaveText('0');

  await importFile(playground, 'damaged.zip', rezip(zip, (e) => (e['weights.bin'][40] ^= 0xff)));
  await expect(playground.notice).toHaveText(
    /^Imported ".+" at step 6; .+ The TensorFlow\.js copy in "damaged\.zip" is damaged \(weights\.bin does not match the SHA-256 that checkpoint\.json records\), .+ writes a new copy\.$/,
  );
  await expect(playground.stepReadout).toHaveText('6');
  const again = await download(playground);
  expect(unzipSync(again)['weights.bin']).toEqual(unzipSync(zip)['weights.bin']);
});

test('dropping a checkpoint .zip onto the page imports it', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.trainTo(8);
  await playground.expectSaved(8, 'pause');
  const zip = await download(playground);
  await playground.resetButton.click();
  await expect(playground.stepReadout).toHaveText('0');

  const dataTransfer = await page.evaluateHandle(({ bytes, name }) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(bytes)], name, { type: 'application/zip' }));
    return transfer;
  }, { bytes: [...zip], name: 'dropped.zip' });
  await page.dispatchEvent('main', 'dragover', { dataTransfer });
  await page.dispatchEvent('main', 'drop', { dataTransfer });
  await expect(playground.notice).toContainText('Imported');
  await expect(playground.stepReadout).toHaveText('8');
});

test('a plain TensorFlow.js Layers model (model.json + weights.bin) becomes the starting point of a new run', async ({ playground }) => {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [2], units: 8, activation: 'tanh' }), tf.layers.dense({ units: 2, activation: 'softmax' })],
  });
  let files: { name: string; mimeType: string; buffer: Buffer }[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const modelJson = { format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] };
      files = [
        { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(modelJson)) },
        { name: 'weights.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(artifacts.weightData as ArrayBuffer) },
      ];
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();

  await playground.open('?backend=cpu');
  await playground.page.getByTestId('import-input').setInputFiles(files);
  await expect(playground.notice).toContainText('as the starting point of a new run at step 0');
  await expect(playground.field('Layer 1 units')).toHaveValue('8');
  await expect(playground.field('Activation')).toHaveValue('tanh');
  await playground.trainTo(5);
});
