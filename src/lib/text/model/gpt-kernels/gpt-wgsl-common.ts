// What every generated GPT entry point shares: the bindings, the step record, erf and GELU,
// and how an invocation finds its index. Each operation (gpt-wgsl-matmul.ts,
// gpt-wgsl-attention.ts, gpt-wgsl-ops.ts) is an entry point with every size and offset a
// constant; one invocation owns each output value (or a tile of them) and sums in a fixed
// order, with no atomics, so a step computes the same bits every time on a device. Written for
// Tint (Chromium) and Naga (Firefox) alike: no extensions, explicit types.

/** Invocations per workgroup. A software GPU runs a workgroup on one thread, so small groups spread a dispatch over more cores. */
export const GROUP = 32;
/** Workgroups per row of the dispatch grid; more spill into y. */
const GRID_X = 65535;

export type Buf = 'state' | 'grads' | 'acts';

/** One entry point of the step and how many invocations it needs. */
export interface OpEntry {
  name: string;
  code: string;
  threads: number;
}

/** The float32 nearest to `x` as an exact WGSL expression. */
export function f32(x: number): string {
  const bits = new Uint32Array(new Float32Array([x]).buffer)[0];
  return `bitcast<f32>(${bits}u)`;
}

export const u = (n: number) => `${n}u`;

/** Workgroups for `threads` invocations, as [x, y]. */
export function workgroupsFor(threads: number): [number, number] {
  const groups = Math.max(1, Math.ceil(threads / GROUP));
  return [Math.min(groups, GRID_X), Math.ceil(groups / GRID_X)];
}

/** An entry point whose invocation index is `t`, returning past `threads`. */
export function entry(name: string, threads: number, body: string): OpEntry {
  const code = `@compute @workgroup_size(${GROUP})
fn ${name}(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let t = (wg.y * ${u(GRID_X)} + wg.x) * ${u(GROUP)} + li;
  if (t >= ${u(threads)}) { return; }
${body}
}`;
  return { name, code, threads };
}

/**
 * What every entry point binds, and the helpers they share. The step record is a uniform at a
 * dynamic offset per step; tokens hold each queued step's inputs then targets; masks each
 * queued step's dropout multipliers (read only when the record says dropout is on).
 */
export function header(rows: number, maskSizePerStep: number): string {
  return `struct StepRecord {
  slot: u32,
  lossSlot: u32,
  dropout: u32,
  clip: f32,
  decayFactor: f32,
  stepSize: f32,
  correction2Root: f32,
  spare: f32,
}
@group(0) @binding(0) var<uniform> rec: StepRecord;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> masks: array<f32>;
@group(0) @binding(3) var<storage, read_write> state: array<f32>;
@group(0) @binding(4) var<storage, read_write> grads: array<f32>;
@group(0) @binding(5) var<storage, read_write> acts: array<f32>;
@group(0) @binding(6) var<storage, read_write> losses: array<f32>;

fn inputToken(n: u32) -> u32 { return tokens[rec.slot * ${u(2 * rows)} + n]; }
fn targetToken(n: u32) -> u32 { return tokens[rec.slot * ${u(2 * rows)} + ${u(rows)} + n]; }
fn mask(site: u32, i: u32) -> f32 { return masks[rec.slot * ${u(maskSizePerStep)} + site + i]; }

// TensorFlow.js's erf (Abramowitz and Stegun 7.1.26), so GELU matches the reference path.
fn erf(x: f32) -> f32 {
  let v = abs(x);
  let k = 1.0 / (1.0 + ${f32(0.3275911)} * v);
  let poly = ((((${f32(1.061405429)} * k + ${f32(-1.453152027)}) * k + ${f32(1.421413741)}) * k + ${f32(-0.284496736)}) * k + ${f32(0.254829592)}) * k;
  return sign(x) * (1.0 - poly * exp(-v * v));
}
// The exact GELU, x·Φ(x), as gpt-forward.ts computes it: x·0.5·(erf(x/√2) + 1).
fn gelu(z: f32) -> f32 { return z * 0.5 * (erf(z * ${f32(Math.SQRT1_2)}) + 1.0); }
// Its derivative as autodiff of that expression gives it: Φ(x) + x·φ(x), with erf' = 2/√π·exp(−x²).
fn geluSlope(z: f32) -> f32 {
  let s = z * ${f32(Math.SQRT1_2)};
  return 0.5 * (erf(s) + 1.0) + z * 0.5 * (${f32(2 / Math.sqrt(Math.PI))} * exp(-s * s)) * ${f32(Math.SQRT1_2)};
}`;
}

