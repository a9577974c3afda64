// The pure half of the checkpoint store: layout, hashing and validation, in Node. What
// IndexedDB does with the result is tested in Chromium (test/browser/checkpoint-*.spec.ts).
import { describe, expect, it } from 'vitest';
import { checksumHex, sha256Hex } from '../../src/lib/checkpoint/checksum.ts';
import { decodeTensors, encodeCheckpoint, findLayoutProblem, manifestChecksum } from '../../src/lib/checkpoint/codec.ts';
import type { CheckpointInput, TensorData } from '../../src/lib/checkpoint/types.ts';

const tensors: TensorData[] = [
  { name: 'a', dtype: 'float32', shape: [3], values: Float32Array.of(1, -0, 3.5) },
  { name: 'empty', dtype: 'int32', shape: [2, 0], values: new Int32Array(0) },
  { name: 'b', dtype: 'int32', shape: [2, 2], values: Int32Array.of(-1, 2 ** 31 - 1, -(2 ** 31), 7) },
  { name: 'scalar', dtype: 'float32', shape: [], values: Float32Array.of(0.1) },
];
const input: CheckpointInput = { runId: 'r', step: 5, loss: 0.25, config: { lr: 0.1 }, metrics: { trainLoss: 0.25 }, state: { epoch: 1 }, tensors };

describe('encodeCheckpoint', () => {
  it('lays tensors back to back and records where each one starts, across chunks', async () => {
    const { manifest, chunks } = await encodeCheckpoint(input, { id: 'c1', chunkSize: 8, createdAt: 1 });
    // 12 + 0 + 16 + 4 = 32 bytes in 8-byte chunks.
    expect(manifest.totalBytes).toBe(32);
    expect(chunks.map((c) => c.byteLength)).toEqual([8, 8, 8, 8]);
    expect(manifest.tensors.map(({ name, chunk, offset, length }) => ({ name, chunk, offset, length }))).toEqual([
      { name: 'a', chunk: 0, offset: 0, length: 12 },
      { name: 'empty', chunk: 1, offset: 4, length: 0 },
      { name: 'b', chunk: 1, offset: 4, length: 16 },
      { name: 'scalar', chunk: 3, offset: 4, length: 4 },
    ]);
    expect(manifest.checksumAlgorithm).toBe('xxh64');
    expect(manifest.chunks[0]).toEqual({ size: 8, checksum: await checksumHex('xxh64', chunks[0]) });
    expect(findLayoutProblem(manifest)).toBeNull();
  });

  it('decodes to the same bits, each tensor in its own buffer', async () => {
    for (const chunkSize of [4, 8, 12, 1024]) {
      const { manifest, chunks } = await encodeCheckpoint(input, { id: 'c', chunkSize });
      const decoded = decodeTensors(manifest, chunks);
      expect(decoded.map((t) => [t.name, t.dtype, t.shape])).toEqual(tensors.map((t) => [t.name, t.dtype, t.shape]));
      decoded.forEach((t, i) => expect(new Uint8Array(t.values.buffer)).toEqual(new Uint8Array(tensors[i].values.buffer)));
      expect(Object.is(decoded[0].values[1], -0)).toBe(true);
      expect(new Set(decoded.map((t) => t.values.buffer)).size).toBe(decoded.length);
    }
  });

  it('hashes the manifest, so a change anywhere in it is detectable', async () => {
    const { manifest, manifestChecksum: digest } = await encodeCheckpoint(input, { id: 'c', chunkSize: 8, createdAt: 1 });
    expect(digest.algorithm).toBe('xxh64');
    expect(await manifestChecksum(manifest)).toEqual(digest);
    expect((await manifestChecksum({ ...manifest, state: { epoch: 2 } })).value).not.toBe(digest.value);
  });

  it('computes both algorithms as their reference vectors say', async () => {
    const abc = new TextEncoder().encode('abc');
    expect(await sha256Hex(abc)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // xxHash's own test vectors (seed 0), in the canonical big-endian hex form.
    expect(await checksumHex('xxh64', new Uint8Array(0))).toBe('ef46db3751d8e999');
    expect(await checksumHex('xxh64', abc)).toBe('44bc2cf5ad770999');
    expect(await checksumHex('sha-256', abc)).toBe(await sha256Hex(abc));
  });

  it('refuses NaN and Infinity, naming the tensor', async () => {
    const diverged = { ...input, tensors: [{ ...tensors[0], values: Float32Array.of(1, NaN, 3) }] };
    await expect(encodeCheckpoint(diverged, { id: 'c' })).rejects.toThrow('tensor "a" contains NaN or infinite values');
    await expect(encodeCheckpoint({ ...input, loss: -Infinity }, { id: 'c' })).rejects.toThrow('the loss contains NaN or infinite values');
  });

  it('refuses inputs that cannot be stored, with a sentence that names the problem', async () => {
    const cases: [CheckpointInput, string][] = [
      [{ ...input, tensors: [tensors[0], tensors[0]] }, 'Two tensors are named "a"'],
      [{ ...input, tensors: [{ ...tensors[0], shape: [4] }] }, 'has shape [4] but 3 values'],
      [{ ...input, tensors: [{ ...tensors[0], values: Int32Array.of(1, 2, 3) }] }, 'its values are a Int32Array, not a Float32Array'],
      [{ ...input, step: 1.5 }, 'The step must be a whole number'],
      [{ ...input, runId: '' }, 'non-empty runId'],
    ];
    for (const [bad, message] of cases) await expect(encodeCheckpoint(bad, { id: 'c' })).rejects.toThrow(message);
    await expect(encodeCheckpoint(input, { id: 'c', chunkSize: 6 })).rejects.toThrow('positive multiple of 4');
  });
});

describe('findLayoutProblem', () => {
  it('names what is inconsistent in a damaged header', async () => {
    const { manifest } = await encodeCheckpoint(input, { id: 'c', chunkSize: 8 });
    expect(findLayoutProblem({ ...manifest, chunks: manifest.chunks.slice(1) })).toBe('it lists 3 chunks where 32 bytes need 4');
    expect(findLayoutProblem({ ...manifest, tensors: [{ ...manifest.tensors[0], length: 8 }, ...manifest.tensors.slice(1)] })).toBe(
      'tensor "a" has a length that does not match its shape',
    );
    expect(findLayoutProblem({ ...manifest, tensors: manifest.tensors.slice(1) })).toBe('tensor "empty" does not start where the previous one ends');
  });
});
