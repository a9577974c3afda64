// Tiled versions of the two big phases of a step, for the per-phase mode: each thread
// computes a tile of up to 8×8 values (rows × outputs for the forward pass, inputs × outputs
// for a kernel's gradient), so each value it loads feeds up to eight multiply-adds instead of
// one. On a software GPU every load by an invocation costs an instruction of its own, so
// loads, not multiply-adds, set the pace: 8×8 tiles ran the digits MLP's step ~1.5× faster
// than 4×4 (16×8 and 8×16 were no faster, and unrolling the loops by 4 did not help).
// Every sum still runs over the same index in the same order as the element functions in
// mlp-step-wgsl.ts, so tiling changes which thread computes a value, not the value.
import type { MlpLayout } from './mlp-layout.ts';
import { READ_SETTINGS, SETTINGS_ARGS } from './step-settings.ts';

/** A tile's rows (batch rows or kernel inputs) × columns (outputs); 0 × 0 when the layer is not tiled. */
export interface Tile {
  rows: number;
  cols: number;
}

const largestOf = (size: number, choices: number[]) => choices.find((c) => size % c === 0) ?? 0;

function tileOf(rows: number, cols: number): Tile {
  const tile = { rows: largestOf(rows, [8, 4]), cols: largestOf(cols, [8, 4]) };
  return tile.rows > 0 && tile.cols > 0 ? tile : { rows: 0, cols: 0 };
}

export const forwardTile = (layout: MlpLayout, i: number) => tileOf(layout.batch, layout.sizes[i + 1]);
export const updateTile = (layout: MlpLayout, i: number) => tileOf(layout.sizes[i], layout.sizes[i + 1]);
export const canTileForward = (layout: MlpLayout, i: number) => forwardTile(layout, i).rows > 0;
export const canTileUpdate = (layout: MlpLayout, i: number) => updateTile(layout, i).rows > 0;

/**
 * Layer i's input at (row offset, column), where the row offset is inputRowBase(); `dropout` is
 * usesDropout(s), read once by the caller. `withMasks` false leaves dropout out of the code, for
 * a forward pass that binds no masks (the CNN's evaluation).
 */
export function inputAtCode(layout: MlpLayout, i: number, withMasks = true): string {
  const fromData = layout.inputOffset === undefined ? 'return dataX[rowBase + k];' : `return scratch[${layout.inputOffset}u + rowBase + k];`;
  const hidden = `scratch[${layout.outputOffsets[i - 1]}u + rowBase + k]`;
  const body =
    i === 0
      ? fromData
      : withMasks
        ? `let h = ${hidden};
  if (dropout) { return h * masks[s * ${layout.maskSizePerStep}u + ${layout.maskOffsets[i - 1]}u + rowBase + k]; }
  return h;`
        : `return ${hidden};`;
  return `fn inputAt${i}(s: u32, rowBase: u32, k: u32, dropout: bool) -> f32 {
  ${body}
}`;
}

/** WGSL for where batch row `b`'s inputs to layer i start: the example's row of the training data, or row b of scratch. */
export const inputRowBase = (layout: MlpLayout, i: number, b: string) =>
  i === 0 && layout.inputOffset === undefined ? `example(s, ${b}) * ${layout.sizes[0]}u` : `(${b}) * ${layout.sizes[i]}u`;

/** 0 … n - 1, for writing out the lines of a generated loop. */
export const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Four consecutive floats of `array` from index `at` as a vec4. */
const vec4At = (array: string, at: string) => `vec4<f32>(${array}[${at}], ${array}[${at} + 1u], ${array}[${at} + 2u], ${array}[${at} + 3u])`;

/** Lines of WGSL, one per (row, column) of a tile. */
const perValue = ({ rows, cols }: Tile, line: (r: number, c: number) => string) => range(rows).flatMap((r) => range(cols).map((c) => line(r, c)));

/**
 * Tile rows × cols of layer i's forward pass; t indexes tiles row-major. Where the layer has
 * 4 × cols outputs or a multiple of that, the tiles of four consecutive invocations
 * interleave: a tile's columns are every fourth from its first (j0, j0 + 4, …), so that the
 * four invocations SwiftShader runs side by side load four consecutive weights at once, and
 * the same input. With the sums in scalars rather than vec4s, that ran the digits MLP's
 * forward pass ~10% faster (1.57 -> 1.42 ms; the update's tiles, tried alike, ran ~9% slower,
 * so they keep consecutive columns in vec4s). Each output's sum is unchanged, so the bits are too.
 */
export function forwardTileCode(layout: MlpLayout, i: number, last: boolean): string {
  const [n, m] = [layout.sizes[i], layout.sizes[i + 1]];
  const tile = forwardTile(layout, i);
  const { rows, cols } = tile;
  const across = m / cols;
  const stride = across % 4 === 0 ? 4 : 1;
  const firstColumn = stride === 1 ? `(t % ${across}u) * ${cols}u` : `((t % ${across}u) / 4u) * ${4 * cols}u + t % 4u`;
  const column = (c: number) => `j0 + ${c * stride}u`;
  return `fn forwardTile${i}(s: u32, t: u32) {
  let dropout = usesDropout(s);
  let b0 = (t / ${across}u) * ${rows}u;
  let j0 = ${firstColumn};
${range(rows)
  .map((r) => `  let base${r} = ${inputRowBase(layout, i, `b0 + ${r}u`)};`)
  .join('\n')}
${perValue(tile, (r, c) => `  var acc${r}_${c}: f32 = 0.0;`).join('\n')}
  for (var k: u32 = 0u; k < ${n}u; k = k + 1u) {
    let wAt = ${layout.kernelOffsets[i]}u + k * ${m}u + j0;
${range(cols)
  .map((c) => `    let w${c} = state[wAt + ${c * stride}u];`)
  .join('\n')}
${range(rows)
  .map((r) => `    let x${r} = inputAt${i}(s, base${r}, k, dropout);\n${range(cols).map((c) => `    acc${r}_${c} = acc${r}_${c} + x${r} * w${c};`).join('\n')}`)
  .join('\n')}
  }
${perValue(tile, (r, c) => {
  const z = `acc${r}_${c} + state[${layout.biasOffsets[i]}u + ${column(c)}]`;
  return `  scratch[${layout.outputOffsets[i]}u + (b0 + ${r}u) * ${m}u + ${column(c)}] = ${last ? z : `activate(${z})`};`;
}).join('\n')}
}`;
}

/**
 * Tile rows × cols of kernel i's gradient and update; threads past the tiles update the
 * biases. With `groups` > 1 the batch is summed as the one-workgroup step sums it: rows
 * g, g + groups, … into a partial per g, then the partials in order.
 */
export function updateTileCode(layout: MlpLayout, i: number, groups = 1): string {
  const [n, m] = [layout.sizes[i], layout.sizes[i + 1]];
  const { rows, cols } = updateTile(layout, i);
  const across = m / cols;
  const tiles = (n / rows) * across;
  const delta = layout.deltaOffsets[i];
  const quads = range(cols / 4);
  const apply = range(rows).flatMap((r) =>
    quads.map(
      (q) => `  for (var c: u32 = 0u; c < 4u; c = c + 1u) {
    let p = ${layout.kernelOffsets[i]}u + (k0 + ${r}u) * ${m}u + j0 + ${4 * q}u + c;
    var sum = g${r}_${q}[c];
    if (l2 > 0.0) { sum = sum + l2 * (2.0 * state[p]); }
    applyOptimizerWith(p, sum, ${SETTINGS_ARGS});
  }`,
    ),
  );
  return `fn updateTile${i}(s: u32, t: u32) {
  if (t >= ${tiles}u) {
    update${i}(s, ${n * m}u + t - ${tiles}u, false);
    return;
  }
  let dropout = usesDropout(s);
  let k0 = (t / ${across}u) * ${rows}u;
  let j0 = (t % ${across}u) * ${cols}u;
${range(rows)
  .flatMap((r) => quads.map((q) => `  var g${r}_${q}: vec4<f32> = vec4<f32>(0.0);`))
  .join('\n')}
  for (var group: u32 = 0u; group < ${groups}u; group = group + 1u) {
${range(rows)
  .flatMap((r) => quads.map((q) => `  var p${r}_${q}: vec4<f32> = vec4<f32>(0.0);`))
  .join('\n')}
  for (var b: u32 = group; b < ${layout.batch}u; b = b + ${groups}u) {
    let base = ${inputRowBase(layout, i, 'b')};
    let dAt = ${delta}u + b * ${m}u + j0;
${quads.map((q) => `    let d${q} = ${vec4At('scratch', `dAt + ${4 * q}u`)};`).join('\n')}
${range(rows)
  .map((r) => `    let x${r} = inputAt${i}(s, base, k0 + ${r}u, dropout);\n${quads.map((q) => `    p${r}_${q} = p${r}_${q} + x${r} * d${q};`).join('\n')}`)
  .join('\n')}
  }
${range(rows)
  .flatMap((r) => quads.map((q) => `  g${r}_${q} = g${r}_${q} + p${r}_${q};`))
  .join('\n')}
  }
  let l2 = recordFloat(s, 3u);
  ${READ_SETTINGS}
${apply.join('\n')}
}`;
}

/** Threads the update phase of layer i needs: one per tile plus one per bias, or one per parameter. */
export function updateThreads(layout: MlpLayout, i: number): number {
  const [n, m] = [layout.sizes[i], layout.sizes[i + 1]];
  const { rows, cols } = updateTile(layout, i);
  return rows > 0 ? (n / rows) * (m / cols) + m : n * m + m;
}

export function forwardThreads(layout: MlpLayout, i: number): number {
  const m = layout.sizes[i + 1];
  const { rows, cols } = forwardTile(layout, i);
  return rows > 0 ? (layout.batch / rows) * (m / cols) : layout.batch * m;
}
