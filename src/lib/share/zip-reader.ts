import { unzipSync } from 'fflate';
import { formatBytes } from '../checkpoint/messages.ts';
import { CheckpointFileError } from './import-errors.ts';

/** How much an import may read, so a huge or hostile file is refused instead of exhausting memory. */
export interface ImportLimits {
  /** Largest sum of the chosen files, and of everything unpacked from a zip. */
  maxTotalBytes: number;
  /** Largest single loose file or zip entry, after unpacking. */
  maxFileBytes: number;
}

/**
 * The playground's own checkpoints are a few MB; these leave room for large imported models.
 * Decimal units, as formatBytes() prints them.
 */
export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxTotalBytes: 512e6,
  maxFileBytes: 256e6,
};

/**
 * Refuses files that are too large from their sizes alone. The UI can call this with
 * `File.size` before reading a single byte; readCheckpointFiles calls it again.
 */
export function checkImportSizes(files: readonly { name: string; size: number }[], limits: ImportLimits = DEFAULT_IMPORT_LIMITS): void {
  const total = files.reduce((sum, file) => sum + file.size, 0);
  if (total > limits.maxTotalBytes) {
    const what = files.length === 1 ? `The file "${files[0].name}" is ${formatBytes(total)}` : `The ${files.length} chosen files add up to ${formatBytes(total)}`;
    throw fileTooLarge(`${what}, more than the ${formatBytes(limits.maxTotalBytes)} an import may have`);
  }
}

/** True when the bytes start like a zip archive: a local file header, or the end record of an empty zip. */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/**
 * Unpacks a zip into a Map of entry name → bytes. Sizes come from the zip's table of
 * contents, so oversized entries are refused before they are inflated. Folders are skipped.
 */
export function unzipEntries(zipName: string, bytes: Uint8Array, limits: ImportLimits): Map<string, Uint8Array> {
  const declared = new Map<string, number>();
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: ({ name, originalSize }) => {
        // fflate stores entries on a plain object; this name would replace its prototype.
        if (name === '__proto__' || name.endsWith('/')) return false;
        if (originalSize > limits.maxFileBytes) {
          throw fileTooLarge(`The entry "${name}" in "${zipName}" unpacks to ${formatBytes(originalSize)}, more than the ${formatBytes(limits.maxFileBytes)} one file may have`);
        }
        total += originalSize;
        if (total > limits.maxTotalBytes) {
          throw fileTooLarge(`The zip "${zipName}" unpacks to more than ${formatBytes(limits.maxTotalBytes)}, the most an import may have`);
        }
        declared.set(name, originalSize);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof CheckpointFileError) throw error;
    throw truncatedZip(zipName, error);
  }
  const entries = new Map<string, Uint8Array>();
  for (const [name, size] of declared) {
    const data = files[name];
    // A stored entry cut short comes back shorter than its table of contents says.
    if (!data || data.length !== size) throw truncatedZip(zipName, undefined);
    entries.set(name, data);
  }
  return entries;
}

function truncatedZip(zipName: string, cause: unknown): CheckpointFileError {
  return new CheckpointFileError(
    'truncated-zip',
    `The zip archive "${zipName}" is incomplete or damaged: its table of contents is missing or does not match its contents. ` +
      'This usually means the download or copy was cut short; get the file again.',
    { cause },
  );
}

/** `what` says which file is how large and what the limit is. */
export function fileTooLarge(what: string): CheckpointFileError {
  return new CheckpointFileError('too-large', `${what}, so the import was stopped. Choose a smaller checkpoint or model.`);
}
