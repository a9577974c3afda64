/**
 * The TensorFlow.js copy in a checkpoint .zip (model.json + weights.bin) is for stock
 * TensorFlow.js; importing the .zip here reads the checkpoint's own chunks instead. Without a
 * record of its own, a damaged copy therefore went unnoticed. Export records the size and
 * SHA-256 of both files in checkpoint.json (`layersModelFiles`), and import checks them.
 */
import * as v from 'valibot';
import { sha256Hex } from '../checkpoint/codec.ts';
import { MODEL_FILE, WEIGHTS_FILE } from './layers-format.ts';

/** One file of the TensorFlow.js copy, as checkpoint.json records it. */
export interface LayersFileEntry {
  /** The zip entry: model.json or weights.bin. */
  path: string;
  /** Byte length. */
  size: number;
  /** SHA-256 of the bytes, lowercase hex, as for the chunks. */
  sha256: string;
}

export const LayersFilesSchema = v.array(
  v.strictObject({
    path: v.picklist([MODEL_FILE, WEIGHTS_FILE]),
    size: v.pipe(v.number(), v.integer(), v.minValue(0)),
    sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'Expected a lowercase SHA-256 hex digest')),
  }),
);

/** What export writes into checkpoint.json for the files it is about to zip. */
export async function describeLayersFiles(files: Record<string, Uint8Array>): Promise<LayersFileEntry[]> {
  return Promise.all(Object.entries(files).map(async ([path, bytes]) => ({ path, size: bytes.length, sha256: await sha256Hex(bytes as Uint8Array<ArrayBuffer>) })));
}

/**
 * Checks the copy against what checkpoint.json records. Returns undefined when it is intact, or
 * when the file predates the record (nothing to check against, and this import does not read
 * the copy); otherwise the sentence that tells the user. The caller has verified the chunks.
 */
export async function checkLayersCopy(recorded: readonly LayersFileEntry[] | undefined, entries: Map<string, Uint8Array>, zipName: string): Promise<string | undefined> {
  if (!recorded) return undefined;
  const problems: string[] = [];
  for (const { path, size, sha256 } of recorded) {
    const bytes = entries.get(path);
    if (!bytes) problems.push(`${path} is missing`);
    else if (bytes.length !== size) problems.push(`${path} is ${bytes.length} bytes where checkpoint.json records ${size}`);
    else if ((await sha256Hex(bytes as Uint8Array<ArrayBuffer>)) !== sha256) problems.push(`${path} does not match the SHA-256 that checkpoint.json records`);
  }
  if (problems.length === 0) return undefined;
  return (
    `The TensorFlow.js copy in "${zipName}" is damaged (${problems.join('; ')}), so the run was imported from the checkpoint's own chunks, ` +
    'which are intact; the next Export of this run writes a new copy.'
  );
}
