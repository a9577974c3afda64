// WGSL for one CNN training step, generated from the layout so every size and offset is a
// constant. The dense layers and the optimizer are the MLP's (mlp-step-wgsl.ts); this adds the
// conv blocks. A step is one dispatch per layer and direction plus one update of every packed
// parameter: each block's conv + relu + pool forward, the dense forward passes and head, the
// gradient at the last block's outputs, each block's input gradient beside its filter
// gradients, then every update. For the digits CNN (2 blocks, one hidden layer) that is 8.
// Every sum runs in a fixed order, with no atomics: a filter's gradient is summed first over
// a chunk of the batch by one invocation, then over the chunks in order by the update.
// Written for Tint and Naga alike: no extensions, explicit types.
import { densePhases, denseKernelRanges, phaseCode, stepPreamble, type MlpStepShader, type PhaseEntry, type PhaseWork } from '../mlp-kernels/mlp-step-wgsl.ts';
import { range } from '../mlp-kernels/mlp-step-tiles.ts';
import { blockParamCount, type CnnLayout } from './cnn-layout.ts';

/** Four floats of `array` from `at`, `stride` apart, as a vec4. */
const vec4At = (array: string, at: string, stride = 1) => `vec4<f32>(${range(4).map((c) => `${array}[${at} + ${c * stride}u]`).join(', ')})`;

/** The array holding block i's input image and WGSL for where example row `b`'s image starts in it. */
function inputOf(layout: CnnLayout, i: number): [array: string, base: string] {
  const { height, width, channels } = layout.blocks[i];
  const size = height * width * channels;
  if (i === 0) return ['dataX', `example(s, b) * ${size}u`];
  return ['scratch', `${layout.blocks[i - 1].pooledOffset}u + b * ${size}u`];
}

/**
 * WGSL lets that name the clamped offsets and the in-image flags of `count` rows (or columns)
 * from `origin`: `${name}${r}` and `in${name}${r}`. Reads outside the image use a clamped
 * index and select 0.0, as 'same' padding's zeros.
 */
function edgeLines(name: string, origin: string, count: number, size: number, stride: number): string[] {
  return range(count).flatMap((r) => [
    `let ${name}${r} = u32(clamp(${origin} + ${r}, 0, ${size - 1})) * ${stride}u;`,
    `let in${name}${r} = ${origin} + ${r} >= 0 && ${origin} + ${r} < ${size};`,
  ]);
}

/**
 * Block i's forward pass for one pooled position of one example, every filter: the conv at its
 * 2×2 window from a (k+1)×(k+1) patch of the input, bias, relu, then the maximum and (for the
 * backward pass; not in a forward-only layout) where it was: the first strictly greatest, row
 * by row, as tfjs's maxPool gradient picks it.
 */
export function convForwardCode(layout: CnnLayout, i: number): string {
  const block = layout.blocks[i];
  const { width: W, channels: C, filters: F, pooledHeight: OH, pooledWidth: OW } = block;
  const K = layout.kernelSize;
  const [array, base] = inputOf(layout, i);
  const quads = range(F / 4);
  const positions = [0, 1, 2, 3];
  const patch = range(K + 1);
  const taps = range(K).flatMap((ky) => range(K).map((kx) => [ky, kx]));
  const tapCode = taps.map(([ky, kx]) => {
    const wAt = `${block.kernelOffset + (ky * K + kx) * C * F}u + ci * ${F}u`;
    const lines = quads.flatMap((q) => [
      `let w${q} = ${vec4At('state', `wAt + ${4 * q}u`)};`,
      ...positions.map((d) => `acc${d}_${q} = acc${d}_${q} + v${(d >> 1) + ky}_${(d & 1) + kx} * w${q};`),
    ]);
    return `    {\n      let wAt = ${wAt};\n      ${lines.join('\n      ')}\n    }`;
  });
  const argmax = block.argmaxOffset >= 0;
  const pool = quads.flatMap((q) => [
    `let bias${q} = ${vec4At('state', `${block.biasOffset + 4 * q}u`)};`,
    `var max${q} = max(acc0_${q} + bias${q}, vec4<f32>(0.0));`,
    ...(argmax ? [`var arg${q} = vec4<f32>(0.0);`] : []),
    ...[1, 2, 3].flatMap((d) => [
      `let y${d}_${q} = max(acc${d}_${q} + bias${q}, vec4<f32>(0.0));`,
      ...(argmax ? [`arg${q} = select(arg${q}, vec4<f32>(${d}.0), y${d}_${q} > max${q});`] : []),
      `max${q} = max(max${q}, y${d}_${q});`,
    ]),
    ...range(4).flatMap((c) => [
      `scratch[${block.pooledOffset}u + out + ${4 * q + c}u] = max${q}[${c}];`,
      ...(argmax ? [`scratch[${block.argmaxOffset}u + out + ${4 * q + c}u] = arg${q}[${c}];`] : []),
    ]),
  ]);
  return `fn convForward${i}(s: u32, t: u32) {
  let px = t % ${OW}u;
  let py = (t / ${OW}u) % ${OH}u;
  let b = t / ${OW * OH}u;
  let base = ${base};
  let y0 = i32(2u * py) - ${layout.padBefore};
  let x0 = i32(2u * px) - ${layout.padBefore};
  ${edgeLines('row', 'y0', K + 1, block.height, W * C).join('\n  ')}
  ${edgeLines('col', 'x0', K + 1, W, C).join('\n  ')}
  ${patch.flatMap((r) => patch.map((c) => `let at${r}_${c} = base + row${r} + col${c};\n  let ok${r}_${c} = inrow${r} && incol${c};`)).join('\n  ')}
  ${positions.flatMap((d) => quads.map((q) => `var acc${d}_${q} = vec4<f32>(0.0);`)).join('\n  ')}
  for (var ci: u32 = 0u; ci < ${C}u; ci = ci + 1u) {
    ${patch.flatMap((r) => patch.map((c) => `let v${r}_${c} = select(0.0, ${array}[at${r}_${c} + ci], ok${r}_${c});`)).join('\n    ')}
${tapCode.join('\n')}
  }
  let out = t * ${F}u;
  ${pool.join('\n  ')}
}`;
}

/** Largest of `choices` that divides `size`. */
const largestOf = (size: number, choices: number[]) => choices.find((c) => size % c === 0) ?? 1;

/**
 * The loss's gradient at the last block's pooled outputs, from the first dense layer's deltas
 * (a tile of rows × columns per invocation, summed over that layer's units in order), times
 * relu's slope: the deltas of the last block.
 */
function flatBackwardCode(layout: CnnLayout): { code: string; work: PhaseWork } {
  const { dense, batch: B } = layout;
  const block = layout.blocks[layout.blocks.length - 1];
  const [n, m] = [dense.sizes[0], dense.sizes[1]];
  const rows = largestOf(B, [8, 4, 2]);
  const cols = largestOf(n, [8, 4, 2]);
  const across = n / cols;
  const tile = range(rows).flatMap((r) => range(cols).map((c) => [r, c]));
  const code = `fn flatBackward(s: u32, t: u32) {
  let b0 = (t / ${across}u) * ${rows}u;
  let k0 = (t % ${across}u) * ${cols}u;
  ${tile.map(([r, c]) => `var acc${r}_${c}: f32 = 0.0;`).join('\n  ')}
  for (var j: u32 = 0u; j < ${m}u; j = j + 1u) {
    ${range(rows).map((r) => `let d${r} = scratch[${dense.deltaOffsets[0]}u + (b0 + ${r}u) * ${m}u + j];`).join('\n    ')}
    ${range(cols).map((c) => `let w${c} = state[${dense.kernelOffsets[0]}u + (k0 + ${c}u) * ${m}u + j];`).join('\n    ')}
    ${tile.map(([r, c]) => `acc${r}_${c} = acc${r}_${c} + d${r} * w${c};`).join('\n    ')}
  }
  ${tile.map(([r, c]) => `let at${r}_${c} = (b0 + ${r}u) * ${n}u + k0 + ${c}u;\n  scratch[${block.deltaOffset}u + at${r}_${c}] = select(0.0, acc${r}_${c}, scratch[${block.pooledOffset}u + at${r}_${c}] > 0.0);`).join('\n  ')}
}`;
  return { code, work: { count: (B / rows) * across, call: 'flatBackward(s, t);' } };
}

/**
 * Block i's input gradient, times the previous block's relu slope: the previous block's deltas.
 * An invocation takes a 2×2 square of input positions and every input channel. For each filter
 * it rebuilds the (k+1)×(k+1) patch of conv-output gradients around the square from the pooled
 * deltas and argmaxes (zero except at each window's maximum), then adds patch × kernel.
 */
function inputGradCode(layout: CnnLayout, i: number): { code: string; work: PhaseWork } {
  const block = layout.blocks[i];
  const previous = layout.blocks[i - 1];
  const { height: H, width: W, channels: C, filters: F, pooledHeight: OH, pooledWidth: OW } = block;
  const K = layout.kernelSize;
  const [TH, TW] = [Math.ceil(H / 2), Math.ceil(W / 2)];
  // Patch row r is conv-output row 2·ty + r + low: pooled row ty + floor((r + low) / 2), window row (r + low) mod 2.
  const low = layout.padBefore - (K - 1);
  const windowOf = (r: number) => [Math.floor((r + low) / 2), (r + low) - 2 * Math.floor((r + low) / 2)];
  const patch = range(K + 1);
  const windows = [...new Set(patch.map((r) => windowOf(r)[0]))];
  const name = (d: number) => (d < 0 ? `m${-d}` : `${d}`);
  const quads = range(C / 4);
  const squares = [0, 1, 2, 3];
  const windowLines = windows.flatMap((dr) =>
    windows.flatMap((dc) => {
      const w = `${name(dr)}_${name(dc)}`;
      return [
        `let win${w} = ((b * ${OH}u + u32(clamp(i32(ty) + ${dr}, 0, ${OH - 1}))) * ${OW}u + u32(clamp(i32(tx) + ${dc}, 0, ${OW - 1}))) * ${F}u;`,
        `let okw${w} = i32(ty) + ${dr} >= 0 && i32(ty) + ${dr} < ${OH} && i32(tx) + ${dc} >= 0 && i32(tx) + ${dc} < ${OW};`,
      ];
    }),
  );
  const perFilter = [
    ...windows.flatMap((dr) =>
      windows.flatMap((dc) => {
        const w = `${name(dr)}_${name(dc)}`;
        return [`let d${w} = select(0.0, scratch[${block.deltaOffset}u + win${w} + co], okw${w});`, `let a${w} = scratch[${block.argmaxOffset}u + win${w} + co];`];
      }),
    ),
    ...patch.flatMap((r) =>
      patch.map((c) => {
        const [[dr, sr], [dc, sc]] = [windowOf(r), windowOf(c)];
        const w = `${name(dr)}_${name(dc)}`;
        return `let z${r}_${c} = select(0.0, d${w}, a${w} == ${sr * 2 + sc}.0);`;
      }),
    ),
    ...range(K).flatMap((ky) =>
      range(K).flatMap((kx) => {
        const wAt = block.kernelOffset + (ky * K + kx) * C * F;
        return quads.flatMap((q) => [
          `let w${ky}_${kx}_${q} = ${vec4At('state', `co + ${wAt + 4 * q * F}u`, F)};`,
          ...squares.map((d) => `acc${d}_${q} = acc${d}_${q} + z${(d >> 1) - ky + K - 1}_${(d & 1) - kx + K - 1} * w${ky}_${kx}_${q};`),
        ]);
      }),
    ),
  ];
  const stores = squares.map((d) => {
    const [dy, dx] = [d >> 1, d & 1];
    const guard = (H % 2 === 1 && dy === 1) || (W % 2 === 1 && dx === 1) ? `if (2u * ty + ${dy}u < ${H}u && 2u * tx + ${dx}u < ${W}u) ` : '';
    const lines = quads.flatMap((q) =>
      range(4).map((c) => `scratch[${previous.deltaOffset}u + at + ${4 * q + c}u] = select(0.0, acc${d}_${q}[${c}], scratch[${previous.pooledOffset}u + at + ${4 * q + c}u] > 0.0);`),
    );
    return `${guard}{\n    let at = ((b * ${H}u + 2u * ty + ${dy}u) * ${W}u + 2u * tx + ${dx}u) * ${C}u;\n    ${lines.join('\n    ')}\n  }`;
  });
  const code = `fn inputGrad${i}(s: u32, t: u32) {
  let tx = t % ${TW}u;
  let ty = (t / ${TW}u) % ${TH}u;
  let b = t / ${TW * TH}u;
  ${windowLines.join('\n  ')}
  ${squares.flatMap((d) => quads.map((q) => `var acc${d}_${q} = vec4<f32>(0.0);`)).join('\n  ')}
  for (var co: u32 = 0u; co < ${F}u; co = co + 1u) {
    ${perFilter.join('\n    ')}
  }
  ${stores.join('\n  ')}
}`;
  return { code, work: { count: layout.batch * TH * TW, call: `inputGrad${i}(s, t);` } };
}

/**
 * Block i's filter and bias gradients over one chunk of the batch, for one filter: for each
 * pooled position whose delta is not zero, the input patch at its window's maximum times the
 * delta. Into the block's partial sums, laid out as its params.
 */
function filterGradCode(layout: CnnLayout, i: number): { code: string; work: PhaseWork } {
  const block = layout.blocks[i];
  const { width: W, channels: C, filters: F, pooledHeight: OH, pooledWidth: OW } = block;
  const K = layout.kernelSize;
  const [array, base] = inputOf(layout, i);
  const vectors = C % 4 === 0;
  const lanes = vectors ? range(C / 4) : range(C);
  const type = vectors ? 'vec4<f32>' : 'f32';
  const taps = range(K).flatMap((ky) => range(K).map((kx) => [ky, kx]));
  const sums = taps.flatMap(([ky, kx]) => lanes.map((q) => `var g${ky}_${kx}_${q}: ${type} = ${type}(0.0);`));
  const accumulate = taps.flatMap(([ky, kx]) =>
    lanes.map((q) => {
      const value = vectors ? vec4At(array, `base + row${ky} + col${kx} + ${4 * q}u`) : `${array}[base + row${ky} + col${kx} + ${q}u]`;
      return `g${ky}_${kx}_${q} = g${ky}_${kx}_${q} + select(${type}(0.0), ${value}, inrow${ky} && incol${kx}) * d;`;
    }),
  );
  const size = blockParamCount(layout, block);
  const stores = taps.flatMap(([ky, kx]) =>
    lanes.flatMap((q) => {
      const at = (ci: number) => `scratch[out + ${((ky * K + kx) * C + ci) * F}u + co]`;
      return vectors ? range(4).map((c) => `${at(4 * q + c)} = g${ky}_${kx}_${q}[${c}];`) : [`${at(q)} = g${ky}_${kx}_${q};`];
    }),
  );
  const code = `fn filterGrad${i}(s: u32, t: u32) {
  let co = t % ${F}u;
  let chunk = t / ${F}u;
  let first = chunk * ${layout.gradientChunk}u;
  let end = min(first + ${layout.gradientChunk}u, ${layout.batch}u);
  ${sums.join('\n  ')}
  var gb: f32 = 0.0;
  for (var b: u32 = first; b < end; b = b + 1u) {
    let base = ${base};
    for (var p: u32 = 0u; p < ${OH * OW}u; p = p + 1u) {
      let at = (b * ${OH * OW}u + p) * ${F}u + co;
      let d = scratch[${block.deltaOffset}u + at];
      if (d != 0.0) {
        let a = u32(scratch[${block.argmaxOffset}u + at]);
        let y0 = i32(2u * (p / ${OW}u) + a / 2u) - ${layout.padBefore};
        let x0 = i32(2u * (p % ${OW}u) + a % 2u) - ${layout.padBefore};
        ${edgeLines('row', 'y0', K, block.height, W * C).join('\n        ')}
        ${edgeLines('col', 'x0', K, W, C).join('\n        ')}
        ${accumulate.join('\n        ')}
        gb = gb + d;
      }
    }
  }
  let out = ${block.partialsOffset}u + chunk * ${size}u;
  ${stores.join('\n  ')}
  scratch[out + ${size - F}u + co] = gb;
}`;
  return { code, work: { count: layout.gradientChunks * F, call: `filterGrad${i}(s, t);` } };
}

/** Block i's params: each gradient summed over the chunks in order, L2 on the kernel, then the optimizer. */
function convUpdateCode(layout: CnnLayout, i: number): { code: string; work: PhaseWork } {
  const block = layout.blocks[i];
  const size = blockParamCount(layout, block);
  const code = `fn convUpdate${i}(s: u32, t: u32) {
  var g: f32 = 0.0;
  for (var c: u32 = 0u; c < ${layout.gradientChunks}u; c = c + 1u) { g = g + scratch[${block.partialsOffset}u + c * ${size}u + t]; }
  let p = ${block.kernelOffset}u + t;
  let l2 = recordFloat(s, 3u);
  if (t < ${size - block.filters}u && l2 > 0.0) { g = g + l2 * (2.0 * state[p]); }
  applyOptimizer(s, p, g);
}`;
  return { code, work: { count: size, call: `convUpdate${i}(s, t);` } };
}

export function cnnStepShader(layout: CnnLayout, maxChunk: number): MlpStepShader {
  const { blocks, dense, batch: B } = layout;
  const kernelRanges: [number, number][] = [...blocks.map((b): [number, number] => [b.kernelOffset, b.biasOffset]), ...denseKernelRanges(dense)];
  const parts = [stepPreamble(dense, maxChunk, kernelRanges)];
  const entries: PhaseEntry[] = [];
  const dispatch = (name: string, works: PhaseWork[]) => {
    const { code, entry } = phaseCode(name, works);
    parts.push(code);
    entries.push(entry);
  };
  const denseParts = densePhases(dense);
  const flat = flatBackwardCode(layout);
  const inputGrads = blocks.map((_, i) => (i > 0 ? inputGradCode(layout, i) : null));
  const filterGrads = blocks.map((_, i) => filterGradCode(layout, i));
  const updates = blocks.map((_, i) => convUpdateCode(layout, i));
  parts.push(...blocks.map((_, i) => convForwardCode(layout, i)), ...denseParts.code, flat.code);
  parts.push(...inputGrads.flatMap((g) => (g ? [g.code] : [])), ...filterGrads.map((g) => g.code), ...updates.map((u) => u.code));

  blocks.forEach((block, i) => dispatch(`convForwardPhase${i}`, [{ count: B * block.pooledHeight * block.pooledWidth, call: `convForward${i}(s, t);` }]));
  denseParts.forward.forEach((work, i) => dispatch(`forwardPhase${i}`, [work]));
  dispatch('headPhase', denseParts.head);
  denseParts.backward.forEach((work, i) => dispatch(`backwardPhase${i}`, [work]));
  dispatch('flatBackwardPhase', [flat.work]);
  for (let i = blocks.length - 1; i >= 0; i--) dispatch(`convBackwardPhase${i}`, [...(inputGrads[i] ? [inputGrads[i]!.work] : []), filterGrads[i].work]);
  dispatch('updatePhase', [...updates.map((u) => u.work), ...denseParts.update]);
  return { code: parts.join('\n\n'), entries, scratchWords: layout.scratchWords };
}
