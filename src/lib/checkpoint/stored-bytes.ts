import type { StoredBytes } from './schema.ts';

/** How chunk bytes are put into IndexedDB. */
export type StoredBytesKind = 'arraybuffer' | 'blob';

/**
 * Blob, measured with bench/checkpoint-bench.ts (numbers in FORMAT.md): Chromium copies a
 * Blob from `temp` to `chunks` without reading it into the page, so the commit transaction
 * is about 4x shorter, and saves and loads are faster overall.
 */
export const DEFAULT_STORED_BYTES_KIND: StoredBytesKind = 'blob';

export function toStoredBytes(chunk: Uint8Array<ArrayBuffer>, kind: StoredBytesKind): StoredBytes {
  if (kind === 'blob') return new Blob([chunk]);
  // A view over part of a larger buffer would store the whole buffer.
  return chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk.buffer : chunk.slice().buffer;
}

/** Byte length without reading the bytes. */
export function storedSize(data: StoredBytes): number {
  return data instanceof Blob ? data.size : data.byteLength;
}
