import { describe, expect, it } from 'vitest';
import { encodeCheckpoint } from '../../src/lib/checkpoint/codec.ts';
import { ChunkReadError, readIntoTensors } from '../../src/lib/checkpoint/chunk-reader.ts';
import type { CheckpointInput, TensorData } from '../../src/lib/checkpoint/types.ts';

const floats = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 43758.5453 % 1);

// 40 + 0 + 8 + 400 + 4 bytes: with 64-byte chunks the big tensor owns several chunks alone,
// and its first and last chunks are shared with neighbours.
const tensors: TensorData[] = [
  { name: 'a', dtype: 'float32', shape: [10], values: floats(10, 1) },
  { name: 'empty', dtype: 'float32', shape: [0], values: new Float32Array(0) },
  { name: 'ints', dtype: 'int32', shape: [2], values: Int32Array.of(-(2 ** 31), 7) },
  { name: 'big', dtype: 'float32', shape: [10, 10], values: floats(100, 2) },
  { name: 'last', dtype: 'float32', shape: [], values: Float32Array.of(-0) },
];
const input: CheckpointInput = { runId: 'r', step: 1, loss: 1, config: {}, metrics: {}, state: {}, tensors };

describe('readIntoTensors', () => {
  for (const kind of ['Blob', 'ArrayBuffer'] as const) {
    it(`rebuilds every tensor bit for bit from ${kind} chunks, each in a buffer of its own, and returns each chunk's bytes`, async () => {
      const { manifest, chunks } = await encodeCheckpoint(input, { id: 'c', chunkSize: 64 });
      const sources = chunks.map((c) => (kind === 'Blob' ? new Blob([c]) : c.slice().buffer));
      const read = await readIntoTensors(manifest, sources);
      expect(read.tensors.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
      read.tensors.forEach((t, i) => {
        expect(t.values.constructor).toBe(tensors[i].values.constructor);
        expect(new Uint8Array(t.values.buffer)).toEqual(new Uint8Array(tensors[i].values.buffer));
      });
      expect(new Set(read.tensors.map((t) => t.values.buffer)).size).toBe(tensors.length);
      expect(read.chunks).toEqual(chunks);
    });
  }

  it('names the lowest-numbered chunk that cannot be read', async () => {
    const { manifest, chunks } = await encodeCheckpoint(input, { id: 'c', chunkSize: 64 });
    const unreadable = (bytes: Uint8Array<ArrayBuffer>) => Object.assign(new Blob([bytes]), { arrayBuffer: () => Promise.reject(new DOMException('gone', 'NotFoundError')), stream: () => { throw new TypeError('no stream'); } });
    // Chunk 0 is shared by three tensors (read whole); chunk 5 lies inside 'big' (read in place).
    // The two reads run independently, and the in-place reads are collected first.
    const sources = chunks.map((c, i) => (i === 0 || i === 5 ? unreadable(c) : new Blob([c])));
    const failure = await readIntoTensors(manifest, sources).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ChunkReadError);
    expect((failure as ChunkReadError).index).toBe(0);
    expect(((failure as ChunkReadError).cause as DOMException).name).toBe('NotFoundError');
  });
});
