/**
 * Verifies a checkpoint .zip completely (header, sizes, hashes, settings, training state and
 * weight shapes) and only then turns it into a CheckpointInput for store.save().
 */
import * as v from 'valibot';
import { checksumLabel } from '../checkpoint/checksum.ts';
import { chunkChecksum, decodeTensors, findLayoutProblem, matchesChecksum, MANIFEST_FORMAT, MANIFEST_VERSION, READABLE_MANIFEST_VERSIONS } from '../checkpoint/codec.ts';
import type { CheckpointInput, Manifest, TensorData } from '../checkpoint/types.ts';
import { parseConfig, type TrainConfig } from '../engine/config.ts';
import { ConfigError } from '../engine/errors.ts';
import { TrainingStateSchema } from '../checkpoint/training-state.ts';
import { csvShapeOf, describeModel, modelFor } from './demo-shapes.ts';
import { csvDataProblem } from '../checkpoint/csv-state.ts';
import { textParamSpecs } from '../text/model/gpt-spec.ts';
import { textModelSpec } from '../text/text-trainer.ts';
import { CheckpointFileError, formatShape } from './import-errors.ts';
import { checkLayersCopy, LayersFilesSchema } from './layers-copy.ts';
import { parseJsonFile, parseWithSchema } from './json-file.ts';

export const CHECKPOINT_ENTRY = 'checkpoint.json';
export const chunkEntry = (index: number) => `chunks/${index}.bin`;

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const text = v.pipe(v.string(), v.minLength(1));

/**
 * The Manifest type as a schema, plus the record of the TensorFlow.js copy (absent in files
 * exported before it existed). Strict: a field this version does not write is refused.
 * Version 1 files have a SHA-256 per chunk; version 2 names its algorithm (xxh64) once.
 */
const manifestEntries = {
  format: v.literal(MANIFEST_FORMAT),
  id: text,
  runId: text,
  runName: v.optional(v.string()),
  step: count,
  loss: v.pipe(v.number(), v.finite()),
  createdAt: v.pipe(v.number(), v.finite()),
  // Checked below with parseConfig and TrainingStateSchema, which give better messages.
  config: v.unknown(),
  // JSON writes NaN (e.g. the train loss before the first step) as null.
  metrics: v.record(v.string(), v.nullable(v.number())),
  state: v.unknown(),
  chunkSize: v.pipe(count, v.minValue(1)),
  totalBytes: count,
  tensors: v.array(
    v.strictObject({ name: text, dtype: v.picklist(['float32', 'int32']), shape: v.array(count), chunk: count, offset: count, length: count }),
  ),
  layersModelFiles: v.optional(LayersFilesSchema),
};
const FileManifestSchema = v.variant('version', [
  v.strictObject({
    ...manifestEntries,
    version: v.literal(1),
    chunks: v.array(v.strictObject({ size: count, sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'Expected a lowercase SHA-256 hex digest')) })),
  }),
  v.strictObject({
    ...manifestEntries,
    version: v.literal(2),
    checksumAlgorithm: v.literal('xxh64'),
    chunks: v.array(v.strictObject({ size: count, checksum: v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/, 'Expected a lowercase 16-digit xxh64 hex digest')) })),
  }),
]);

export interface VerifiedCheckpoint {
  input: CheckpointInput;
  manifest: Manifest;
  /** Set when the TensorFlow.js copy in the file is damaged: says so, and that the import did without it. */
  notice?: string;
}

/** `entries` is the unpacked zip; `zipName` names it in messages. */
export async function readCheckpointZip(zipName: string, entries: Map<string, Uint8Array>): Promise<VerifiedCheckpoint> {
  const where = `"${CHECKPOINT_ENTRY}" in "${zipName}"`;
  const json = parseJsonFile(entries.get(CHECKPOINT_ENTRY)!, where);
  checkFormatMarker(json, where, zipName);
  const file = parseWithSchema(FileManifestSchema, json, where, 'a valid checkpoint header', 'Export the checkpoint again from the playground.');
  const { layersModelFiles, ...header } = file;
  const metrics = Object.fromEntries(Object.entries(header.metrics).filter((e): e is [string, number] => e[1] !== null));
  const manifest: Manifest = { ...header, metrics };

  const layoutProblem = findLayoutProblem(manifest);
  if (layoutProblem) {
    throw new CheckpointFileError('layout', `The checkpoint in "${zipName}" is damaged: ${layoutProblem}. Export it again from the playground.`);
  }
  // Damaged chunks refuse the file; a damaged TensorFlow.js copy only earns a notice, as the chunks hold everything.
  const chunks = await verifyChunks(manifest, entries, zipName);
  const notice = await checkLayersCopy(layersModelFiles, entries, zipName);
  const tensors = decodeTensors(manifest, chunks);
  const config = readConfig(manifest.config, zipName);
  const state = readState(manifest.state, zipName);
  const csvProblem = csvDataProblem(config, state.csv, tensors);
  if (csvProblem) throw new CheckpointFileError('state', `The checkpoint in "${zipName}" cannot be imported: ${csvProblem}. Export it again from the playground.`);
  checkParams(config, tensors, zipName, state.text?.vocab.chars.length, state);

  const input: CheckpointInput = {
    // A fresh id: importing never touches, or merges into, a run that is already stored.
    runId: crypto.randomUUID(),
    runName: importedName(manifest.runName ?? 'Checkpoint'),
    step: manifest.step,
    loss: manifest.loss,
    config,
    metrics,
    state,
    tensors,
  };
  return notice ? { input, manifest, notice } : { input, manifest };
}

export function importedName(name: string): string {
  return name.endsWith(' (imported)') ? name : `${name} (imported)`;
}

/** The marker and version are checked before the schema, so a newer file gets a message about updating. */
function checkFormatMarker(json: unknown, where: string, zipName: string): void {
  const header = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  if (header.format !== MANIFEST_FORMAT) {
    throw new CheckpointFileError(
      'not-a-checkpoint',
      `The file ${where} is not a playground checkpoint header (its "format" is not "${MANIFEST_FORMAT}"). Choose a .zip exported with the playground's Export button.`,
    );
  }
  if (!READABLE_MANIFEST_VERSIONS.includes(header.version as number)) {
    const version = JSON.stringify(header.version ?? null).slice(0, 20);
    const newer = typeof header.version === 'number' && header.version > MANIFEST_VERSION;
    throw new CheckpointFileError(
      'unknown-version',
      `"${zipName}" holds a checkpoint of format version ${version}, but this playground reads only versions ${READABLE_MANIFEST_VERSIONS.join(' and ')}. ` +
        (newer
          ? 'It was exported by a newer playground: reload the page to update the playground, then import it again.'
          : 'Export it again from the playground that made it.'),
    );
  }
}

/** Every chunk must be present, have the size the header lists and match its checksum. */
async function verifyChunks(manifest: Manifest, entries: Map<string, Uint8Array>, zipName: string): Promise<Uint8Array[]> {
  const total = manifest.chunks.length;
  return Promise.all(
    manifest.chunks.map(async (entry, i) => {
      const name = chunkEntry(i);
      const bytes = entries.get(name);
      const damaged = `so the file is damaged. Export the checkpoint again from the playground.`;
      if (!bytes) throw new CheckpointFileError('missing-entry', `The file "${zipName}" lacks ${name} (chunk ${i + 1} of ${total}), which ${CHECKPOINT_ENTRY} lists, ${damaged}`);
      if (bytes.length !== entry.size) {
        throw new CheckpointFileError('chunk-size', `The entry ${name} in "${zipName}" is ${bytes.length} bytes, but ${CHECKPOINT_ENTRY} lists ${entry.size}, ${damaged}`);
      }
      const checksum = chunkChecksum(manifest, i);
      if (!(await matchesChecksum(checksum, bytes))) {
        const label = checksumLabel(checksum.algorithm);
        throw new CheckpointFileError('hash-mismatch', `The entry ${name} (chunk ${i + 1} of ${total}) in "${zipName}" does not match its ${label}, ${damaged}`);
      }
      return bytes;
    }),
  );
}

function readConfig(config: unknown, zipName: string): TrainConfig {
  try {
    return parseConfig(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new CheckpointFileError(
      'config',
      `The settings stored in "${zipName}" are not valid for this playground. ${error.message} ` +
        'The checkpoint may come from a newer playground; reload the page to update, then import it again.',
      { cause: error },
    );
  }
}

function readState(state: unknown, zipName: string): v.InferOutput<typeof TrainingStateSchema> {
  const parsed = v.safeParse(TrainingStateSchema, state);
  if (parsed.success) return parsed.output;
  const path = v.getDotPath(parsed.issues[0]);
  throw new CheckpointFileError(
    'state',
    `The training state stored in "${zipName}" is malformed (${path ? `"${path}": ` : ''}${parsed.issues[0].message.replace(/\.$/, '')}), so the run cannot be resumed. Export it again from the playground.`,
  );
}

/** The `param/*` tensors must be exactly the parameters of the model the settings describe. */
function checkParams(config: TrainConfig, tensors: TensorData[], zipName: string, vocabSize: number | undefined, state: unknown): void {
  if (config.demo === 'text' && vocabSize === undefined) {
    throw new CheckpointFileError('state', `The text run in "${zipName}" has no record of its text and vocabulary, so it cannot be resumed. Export it again from the playground.`);
  }
  // A text run's weights carry nanoGPT's names with no prefix; the other demos' are param/<layer>/<kernel|bias>.
  const isText = config.demo === 'text';
  const prefix = isText ? '' : 'param/';
  const params = isText ? textParamSpecs(textModelSpec(config, vocabSize!)) : modelFor(config, csvShapeOf(state)).params;
  const model = isText ? `the ${config.model === 'gpt' ? 'transformer' : 'bigram table'} of the text demo` : describeModel(config);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const cannot = 'The weights do not belong to these settings, so the checkpoint cannot be imported; export it again from the playground.';
  for (const p of params) {
    const name = `${prefix}${p.name}`;
    const tensor = byName.get(name);
    if (!tensor) throw new CheckpointFileError('model-shape', `The checkpoint in "${zipName}" has no tensor "${name}", which ${model} needs. ${cannot}`);
    if (tensor.dtype !== 'float32' || formatShape(tensor.shape) !== formatShape(p.shape)) {
      throw new CheckpointFileError(
        'model-shape',
        `Tensor "${name}" in "${zipName}" is ${tensor.dtype} of shape ${formatShape(tensor.shape)}, but ${model} needs float32 of shape ${formatShape(p.shape)}. ${cannot}`,
      );
    }
  }
  const expected = new Set(params.map((p) => `${prefix}${p.name}`));
  const isWeight = (name: string) => (isText ? !name.startsWith('optimizer/') && !name.startsWith('history/') && !name.startsWith('data/') : name.startsWith('param/'));
  const extra = tensors.find((t) => isWeight(t.name) && !expected.has(t.name));
  if (extra) throw new CheckpointFileError('model-shape', `The checkpoint in "${zipName}" has a tensor "${extra.name}" that ${model} does not have. ${cannot}`);
}
