/**
 * Checkpoint files: one .zip that both resumes training in the playground (checkpoint.json +
 * chunks, verified by their checksums) and loads in stock TensorFlow.js (model.json + weights.bin).
 * src/lib/checkpoint/FORMAT.md ("Checkpoint files") describes the layout.
 */
import { strToU8, zipSync, type Zippable } from 'fflate';
import { encodeCheckpoint, MANIFEST_FORMAT } from '../checkpoint/codec.ts';
import { formatBytes } from '../checkpoint/messages.ts';
import type { CheckpointInput, LoadedCheckpoint, Manifest } from '../checkpoint/types.ts';
import { parseConfig, type TrainConfig } from '../engine/config.ts';
import { CHECKPOINT_ENTRY, chunkEntry, readCheckpointZip } from './checkpoint-import.ts';
import { CheckpointFileError } from './import-errors.ts';
import { parseJsonFile } from './json-file.ts';
import { describeLayersFiles } from './layers-copy.ts';
import { exportLayersModel, MODEL_FILE, WEIGHTS_FILE } from './layers-format.ts';
import { nanoGptFiles } from '../text/safetensors.ts';
import { textModelSpec } from '../text/text-trainer.ts';
import { readLayersModel } from './layers-import.ts';
import { csvShapeOf } from './demo-shapes.ts';
import { checkImportSizes, DEFAULT_IMPORT_LIMITS, fileTooLarge, looksLikeZip, unzipEntries, type ImportLimits } from './zip-reader.ts';

export { CheckpointFileError } from './import-errors.ts';
export { checkImportSizes, DEFAULT_IMPORT_LIMITS, type ImportLimits } from './zip-reader.ts';

export type ImportedFile =
  /** `notice`, when set, is a sentence for the user about a damaged part the import did without. */
  | { kind: 'checkpoint'; input: CheckpointInput; manifest: Manifest; notice?: string }
  | { kind: 'layers-model'; config: TrainConfig; weights: Float32Array[]; description: string };

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

// Float weights barely compress; storing them keeps export and import fast.
const STORED = { level: 0 } as const;

/** Packs a loaded (verified) checkpoint into one .zip. */
export async function exportCheckpointZip(loaded: LoadedCheckpoint): Promise<Uint8Array> {
  const { manifest, tensors } = loaded;
  const config = parseConfig(manifest.config);
  // Re-encoding with the same id, chunk size and time reproduces the header and gives the chunk bytes it describes.
  const { runId, runName, step, loss, metrics, state } = manifest;
  const input: CheckpointInput = { runId, runName, step, loss, config, metrics, state, tensors };
  const encoded = await encodeCheckpoint(input, { id: manifest.id, chunkSize: manifest.chunkSize, createdAt: manifest.createdAt });
  const files: Zippable = { 'README.txt': strToU8(readme(encoded.manifest, encoded.chunks.length, config.demo !== 'text')) };
  // The text demo's transformer has no TensorFlow.js Layers equivalent: its zip holds the checkpoint (with its text) only.
  if (config.demo === 'text') {
    files[CHECKPOINT_ENTRY] = strToU8(JSON.stringify(encoded.manifest, null, 2));
    // For whoever outgrows the browser: the weights under nanoGPT's names, loadable in PyTorch.
    const chars = (state as { text?: { vocab: { chars: string[] } } } | undefined)?.text?.vocab.chars ?? [];
    const nano = nanoGptFiles(config, textModelSpec(config, chars.length), chars, tensors);
    files['model.safetensors'] = [nano.safetensors, STORED];
    files['config.json'] = strToU8(nano.configJson);
  } else {
    const layers = await exportLayersModel(config, tensors, csvShapeOf(state));
    const modelJson = strToU8(JSON.stringify(layers.modelJson));
    // Import reads only the chunks; these hashes let it notice a damaged TensorFlow.js copy too.
    const layersModelFiles = await describeLayersFiles({ [MODEL_FILE]: modelJson, [WEIGHTS_FILE]: layers.weights });
    files[CHECKPOINT_ENTRY] = strToU8(JSON.stringify({ ...encoded.manifest, layersModelFiles }, null, 2));
    files[MODEL_FILE] = modelJson;
    files[WEIGHTS_FILE] = [layers.weights, STORED];
  }
  encoded.chunks.forEach((chunk, i) => {
    files[chunkEntry(i)] = [chunk, STORED];
  });
  // A fixed time makes exporting the same checkpoint twice give the same bytes.
  return zipSync(files, { level: 6, mtime: Math.max(manifest.createdAt, Date.UTC(1980, 0, 2)) });
}

/**
 * Reads what the user chose: one .zip (a playground checkpoint, or a zipped Layers model), or
 * a Layers model.json with its .bin files. Everything is checked before this returns; on any
 * problem it throws CheckpointFileError and the caller must not write anything.
 */
export async function readCheckpointFiles(files: readonly NamedBytes[], limits: ImportLimits = DEFAULT_IMPORT_LIMITS): Promise<ImportedFile> {
  if (files.length === 0) throw new CheckpointFileError('no-files', 'No file was chosen; choose a checkpoint .zip, or a model.json with its .bin files.');
  checkImportSizes(files.map((f) => ({ name: f.name, size: f.bytes.length })), limits);

  const zips = files.filter((f) => looksLikeZip(f.bytes));
  if (zips.length > 0) {
    if (files.length > 1) throw mixedFiles();
    return readZip(files[0], limits);
  }
  return readLooseFiles(files, limits);
}

async function readZip(zip: NamedBytes, limits: ImportLimits): Promise<ImportedFile> {
  const entries = unzipEntries(zip.name, zip.bytes, limits);
  if (entries.has(CHECKPOINT_ENTRY)) return { kind: 'checkpoint', ...(await readCheckpointZip(zip.name, entries)) };

  const jsonNames = [...entries.keys()].filter((name) => name.toLowerCase().endsWith('.json'));
  const modelName = jsonNames.find((name) => basename(name) === MODEL_FILE) ?? (jsonNames.length === 1 ? jsonNames[0] : undefined);
  if (!modelName) {
    throw new CheckpointFileError(
      'missing-entry',
      `The zip "${zip.name}" holds neither ${CHECKPOINT_ENTRY} nor ${MODEL_FILE}. Choose a checkpoint exported by the playground, or a zip of a TensorFlow.js model.json with its .bin files.`,
    );
  }
  // Weight paths in model.json are relative to the folder model.json sits in.
  const folder = modelName.slice(0, modelName.lastIndexOf('/') + 1);
  const model = readLayersModel(entries.get(modelName)!, `"${modelName}" in "${zip.name}"`, (path) => entries.get(folder + path.replace(/^\.\//, '')));
  return { kind: 'layers-model', ...model };
}

/** Loose files: a browser hands over bare names, so weight paths are matched by their last part. */
function readLooseFiles(files: readonly NamedBytes[], limits: ImportLimits): ImportedFile {
  for (const file of files) {
    if (file.bytes.length > limits.maxFileBytes) {
      throw fileTooLarge(`The file "${file.name}" is ${formatBytes(file.bytes.length)}, more than the ${formatBytes(limits.maxFileBytes)} one file may have`);
    }
  }
  const jsonFiles = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
  if (jsonFiles.length === 0) {
    const [first] = files;
    if (files.length === 1 && first.bytes.length === 0) {
      throw new CheckpointFileError('empty-file', `The file "${first.name}" is empty; choose a checkpoint .zip exported by the playground, or a model.json with its .bin files.`);
    }
    throw new CheckpointFileError(
      'not-a-zip',
      `${files.length === 1 ? `The file "${first.name}" is` : 'None of the chosen files is'} neither a .zip archive nor a model.json. ` +
        'Choose a checkpoint .zip exported by the playground, or a TensorFlow.js model.json together with its .bin files.',
    );
  }
  if (jsonFiles.length > 1) throw mixedFiles();
  const [json] = jsonFiles;
  const where = `"${json.name}"`;
  const header = parseJsonFile(json.bytes, where);
  if (typeof header === 'object' && header !== null && (header as { format?: unknown }).format === MANIFEST_FORMAT) {
    throw new CheckpointFileError('missing-entry', `The file ${where} is only the header of a checkpoint; choose the whole .zip the playground exported.`);
  }
  const byName = new Map(files.map((f) => [f.name, f.bytes]));
  const model = readLayersModel(json.bytes, where, (path) => byName.get(basename(path)));
  return { kind: 'layers-model', ...model };
}

function mixedFiles(): CheckpointFileError {
  return new CheckpointFileError('mixed-files', 'Choose either one .zip file, or one model.json together with its .bin files, but not both or several of them.');
}

const basename = (path: string) => path.slice(path.lastIndexOf('/') + 1);

function readme(manifest: Manifest, chunkCount: number, withLayers: boolean): string {
  const text = `A checkpoint of the WebGPU training playground: run "${manifest.runName ?? manifest.runId}" at step ${manifest.step}.

Import this .zip in the playground to continue training exactly where it stopped.

checkpoint.json  The checkpoint header: settings, training state (for a text run also its
                 vocabulary and, for your own text, the text), metrics, and tables of tensors and chunks.
chunks/*.bin     The tensor bytes (float32/int32, little-endian), cut into ${chunkCount} chunk(s). The
                 weights carry nanoGPT's names (transformer.wte.weight, ...), Linear weights as [out, in].
model.safetensors  Text runs: the weights as nanoGPT's state_dict (lm_head.weight tied to wte), and
config.json        its GPTConfig (vocab_size, block_size, n_layer, n_head, n_embd) with the vocabulary.
`;
  if (!withLayers) return text;
  return `A checkpoint of the WebGPU training playground: run "${manifest.runName ?? manifest.runId}" at step ${manifest.step}.

Import this .zip in the playground to continue training exactly where it stopped.

checkpoint.json  The checkpoint header ("${manifest.format}", version ${manifest.version}): settings,
                 training state, metrics, a table of every tensor (name, dtype, shape, where
                 its bytes are) and of every chunk (size and xxh64 checksum), and the size and
                 SHA-256 of model.json and weights.bin. A run on your own CSV file also holds
                 the file's data (tensors data/x and data/y, as in the file) and, in its
                 training state, the column names, class names and standardisation.
chunks/*.bin     The tensor bytes (float32/int32, little-endian) back to back, cut into
                 ${chunkCount} chunk(s) of at most ${manifest.chunkSize} bytes: chunks/0.bin, chunks/1.bin, ...
model.json       The same network as a TensorFlow.js Layers model, with its weights in
weights.bin      weights.bin. Load it with tf.loadLayersModel(), or convert it to Keras:
                 tensorflowjs_converter --input_format tfjs_layers_model --output_format keras model.json model.h5
`;
}
