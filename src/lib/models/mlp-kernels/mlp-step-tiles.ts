// Tiled versions of the two big phases of a step, for the per-phase mode: each thread
// computes a 4×4 tile (four rows × four outputs for the forward pass, four inputs × four
// outputs for a kernel's gradient), so each value it loads feeds four multiply-adds instead
// of one. Every sum still runs over the same index in the same order as the element
// functions in mlp-step-wgsl.ts, so tiling changes which thread computes a value, not the value.
import type { MlpLayout } from './mlp-layout.ts';

/** Tiles are 4×4; a layer is tiled when both of its tiled dimensions are multiples of 4. */
export const TILE = 4;

export const canTileForward = (layout: MlpLayout, i: number) => layout.batch % TILE === 0 && layout.sizes[i + 1] % TILE === 0;
export const canTileUpdate = (layout: MlpLayout, i: number) => layout.sizes[i] % TILE === 0 && layout.sizes[i + 1] % TILE === 0;

/** Layer i's input at (row offset, column), where the row offset is example * n for data and b * n otherwise. */
export function inputAtCode(layout: MlpLayout, i: number): string {
  const body =
    i === 0
      ? 'return dataX[rowBase + k];'
      : `let h = scratch[${layout.outputOffsets[i - 1]}u + rowBase + k];
  if (usesDropout(s)) { return h * masks[s * ${layout.maskSizePerStep}u + ${layout.maskOffsets[i - 1]}u + rowBase + k]; }
  return h;`;
  return `fn inputAt${i}(s: u32, rowBase: u32, k: u32) -> f32 {
  ${body}
}`;
}

const rowBaseOf = (layout: MlpLayout, i: number, b: string) => (i === 0 ? `example(s, ${b}) * ${layout.sizes[0]}u` : `(${b}) * ${layout.sizes[i]}u`);

const rows = [0, 1, 2, 3];

/** Four rows × four outputs of layer i's forward pass; t indexes tiles row-major. */
export function forwardTileCode(layout: MlpLayout, i: number, last: boolean): string {
  const [n, m] = [layout.sizes[i], layout.sizes[i + 1]];
  const across = m / TILE;
  const store = rows
    .map(
      (r) => `  for (var c: u32 = 0u; c < 4u; c = c + 1u) {
    let z = acc${r}[c] + state[${layout.biasOffsets[i]}u + j0 + c];
    scratch[${layout.outputOffsets[i]}u + (b0 + ${r}u) * ${m}u + j0 + c] = ${last ? 'z' : 'activate(z)'};
  }`,
    )
    .join('\n');
  return `fn forwardTile${i}(s: u32, t: u32) {
  let b0 = (t / ${across}u) * 4u;
  let j0 = (t % ${across}u) * 4u;
${rows.map((r) => `  let base${r} = ${rowBaseOf(layout, i, `b0 + ${r}u`)};\n  var acc${r}: vec4<f32> = vec4<f32>(0.0);`).join('\n')}
  for (var k: u32 = 0u; k < ${n}u; k = k + 1u) {
    let w0 = ${layout.kernelOffsets[i]}u + k * ${m}u + j0;
    let w = vec4<f32>(state[w0], state[w0 + 1u], state[w0 + 2u], state[w0 + 3u]);
${rows.map((r) => `    acc${r} = acc${r} + inputAt${i}(s, base${r}, k) * w;`).join('\n')}
  }
${store}
}`;
}

/** Four inputs × four outputs of kernel i's gradient and update; threads past the tiles update the biases. */
export function updateTileCode(layout: MlpLayout, i: number): string {
  const [n, m] = [layout.sizes[i], layout.sizes[i + 1]];
  const across = m / TILE;
  const tiles = (n / TILE) * across;
  const delta = layout.deltaOffsets[i];
  const apply = rows
    .map(
      (r) => `  for (var c: u32 = 0u; c < 4u; c = c + 1u) {
    let p = ${layout.kernelOffsets[i]}u + (k0 + ${r}u) * ${m}u + j0 + c;
    var sum = g${r}[c];
    if (l2 > 0.0) { sum = sum + l2 * (2.0 * state[p]); }
    applyOptimizer(s, p, sum);
  }`,
    )
    .join('\n');
  return `fn updateTile${i}(s: u32, t: u32) {
  if (t >= ${tiles}u) {
    update${i}(s, ${n * m}u + t - ${tiles}u);
    return;
  }
  let k0 = (t / ${across}u) * 4u;
  let j0 = (t % ${across}u) * 4u;
${rows.map((r) => `  var g${r}: vec4<f32> = vec4<f32>(0.0);`).join('\n')}
  for (var b: u32 = 0u; b < ${layout.batch}u; b = b + 1u) {
    let base = ${rowBaseOf(layout, i, 'b')};
    let d0 = ${delta}u + b * ${m}u + j0;
    let d = vec4<f32>(scratch[d0], scratch[d0 + 1u], scratch[d0 + 2u], scratch[d0 + 3u]);
${rows.map((r) => `    g${r} = g${r} + inputAt${i}(s, base, k0 + ${r}u) * d;`).join('\n')}
  }
  let l2 = recordFloat(s, 3u);
${apply}
}`;
}

/** Threads the update phase of layer i needs: one per tile plus one per bias, or one per parameter. */
export function updateThreads(layout: MlpLayout, i: number): number {
  const [n, m] = [layout.sizes[i], layout.sizes[i + 1]];
  return canTileUpdate(layout, i) ? (n / TILE) * (m / TILE) + m : n * m + m;
}

export function forwardThreads(layout: MlpLayout, i: number): number {
  const m = layout.sizes[i + 1];
  return canTileForward(layout, i) ? (layout.batch / TILE) * (m / TILE) : layout.batch * m;
}
