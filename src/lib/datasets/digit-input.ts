import { MNIST_SIDE } from './mnist.ts';

/** MNIST digits fit a 20×20 box centred in the 28×28 image; a drawn digit is prepared the same way. */
const DIGIT_BOX = 20;

/**
 * Turns a drawing (row-major intensities 0..1, any square size) into a 784-value network
 * input: crop to the ink, scale the longer side to 20 px, centre it in 28×28, as MNIST was
 * prepared. Returns all zeros for an empty drawing.
 */
export function drawingToDigit(ink: Float32Array, side: number): Float32Array {
  let top = side;
  let left = side;
  let bottom = -1;
  let right = -1;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      if (ink[y * side + x] > 0.05) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  const out = new Float32Array(MNIST_SIDE * MNIST_SIDE);
  if (bottom < 0) return out;
  const height = bottom - top + 1;
  const width = right - left + 1;
  const scale = DIGIT_BOX / Math.max(height, width);
  const offsetY = (MNIST_SIDE - height * scale) / 2;
  const offsetX = (MNIST_SIDE - width * scale) / 2;
  // Box-filter: each output pixel averages the source pixels it covers.
  for (let oy = 0; oy < MNIST_SIDE; oy++) {
    for (let ox = 0; ox < MNIST_SIDE; ox++) {
      const y0 = top + (oy - offsetY) / scale;
      const x0 = left + (ox - offsetX) / scale;
      const y1 = y0 + 1 / scale;
      const x1 = x0 + 1 / scale;
      let sum = 0;
      let count = 0;
      for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
        for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
          if (y >= top && y <= bottom && x >= left && x <= right) sum += ink[y * side + x];
          count++;
        }
      }
      out[oy * MNIST_SIDE + ox] = count > 0 ? Math.min(1, sum / count) : 0;
    }
  }
  return out;
}
