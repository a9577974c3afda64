// The matmuls of a GPT step: out = A·B over strided operands, with the epilogues the layers
// need (bias, GELU and its slope, residual plus dropout) and, for a weight's gradient, the
// bias's gradient as row sums by extra invocations.
import { entry, u, type Buf, type OpEntry } from './gpt-wgsl-common.ts';

/** Element (i, k) of a matrix operand at buf[off + i·rs + k·cs]. */
export interface Operand {
  buf: Buf;
  off: number;
  rs: number;
  cs: number;
}

export type Epilogue =
  | { kind: 'store' }
  | { kind: 'bias'; bias: number }
  /** Keeps z = acc + bias at acts[pre + ij] and stores gelu(z). */
  | { kind: 'gelu'; bias: number; pre: number }
  /** Stores acc · gelu'(acts[pre + ij]). */
  | { kind: 'geluGrad'; pre: number }
  /** Stores acts[residual + ij] + dropout(acc + bias), the mask at `site`. */
  | { kind: 'residual'; bias: number; residual: number; site: number };

export interface Matmul {
  name: string;
  M: number;
  N: number;
  K: number;
  /** A(i, k), i < M, k < K. */
  a: Operand;
  /** B(k, j), k < K, j < N. */
  b: Operand;
  /** Output [M, N], row-major. */
  out: { buf: Buf; off: number };
  epilogue: Epilogue;
  /** Also Σ_k A(i, k) for every row i, into buf[off + i] (a bias's gradient), by M more invocations. */
  rowSums?: { buf: Buf; off: number };
}

/** Rows and columns of the output tile each invocation computes: loads, not multiply-adds, set the pace on a software GPU. */
const TILE = 8;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function epilogueCode(e: Epilogue, outAt: string, ij: string, col: string, acc: string, out: string): string {
  switch (e.kind) {
    case 'store':
      return `${out}[${outAt}] = ${acc};`;
    case 'bias':
      return `${out}[${outAt}] = ${acc} + state[${u(e.bias)} + ${col}];`;
    case 'gelu':
      return `{ let z = ${acc} + state[${u(e.bias)} + ${col}]; acts[${u(e.pre)} + ${ij}] = z; ${out}[${outAt}] = gelu(z); }`;
    case 'geluGrad':
      return `${out}[${outAt}] = ${acc} * geluSlope(acts[${u(e.pre)} + ${ij}]);`;
    case 'residual':
      return `{ var z = ${acc} + state[${u(e.bias)} + ${col}]; if (rec.dropout != 0u) { z = z * mask(${u(e.site)}, ${ij}); } ${out}[${outAt}] = acts[${u(e.residual)} + ${ij}] + z; }`;
  }
}

/** out = A·B with an epilogue, in tiles of up to 8 × 8 per invocation; k runs in order, so every value sums the same way. */
export function matmul(m: Matmul): OpEntry {
  const TR = Math.min(TILE, m.M);
  const TC = Math.min(TILE, m.N);
  const down = Math.ceil(m.M / TR);
  const across = Math.ceil(m.N / TC);
  const tiles = down * across;
  const raggedRows = m.M % TR !== 0;
  const raggedCols = m.N % TC !== 0;
  const rowIndex = (r: number) => (raggedRows ? `min(i0 + ${u(r)}, ${u(m.M - 1)})` : `(i0 + ${u(r)})`);
  const colIndex = (c: number) => (raggedCols ? `min(j0 + ${u(c)}, ${u(m.N - 1)})` : `(j0 + ${u(c)})`);
  const { a, b } = m;
  const lines: string[] = [];
  if (m.rowSums) {
    lines.push(`  if (t >= ${u(tiles)}) {
    let i = t - ${u(tiles)};
    var sum = 0.0;
    for (var k: u32 = 0u; k < ${u(m.K)}; k = k + 1u) { sum = sum + ${a.buf}[${u(a.off)} + i * ${u(a.rs)} + k * ${u(a.cs)}]; }
    ${m.rowSums.buf}[${u(m.rowSums.off)} + i] = sum;
    return;
  }`);
  }
  lines.push(`  let i0 = (t / ${u(across)}) * ${u(TR)};`, `  let j0 = (t % ${u(across)}) * ${u(TC)};`);
  for (const r of range(TR)) lines.push(`  let ar${r} = ${u(a.off)} + ${rowIndex(r)} * ${u(a.rs)};`);
  for (const c of range(TC)) lines.push(`  let bc${c} = ${u(b.off)} + ${colIndex(c)} * ${u(b.cs)};`);
  for (const r of range(TR)) lines.push(`  var c${r}: array<f32, ${TC}>;`);
  lines.push(`  for (var k: u32 = 0u; k < ${u(m.K)}; k = k + 1u) {`);
  lines.push(`    let ak = k * ${u(a.cs)};`, `    let bk = k * ${u(b.rs)};`);
  for (const c of range(TC)) lines.push(`    let b${c} = ${b.buf}[bc${c} + bk];`);
  for (const r of range(TR)) {
    lines.push(`    let a${r} = ${a.buf}[ar${r} + ak];`);
    for (const c of range(TC)) lines.push(`    c${r}[${c}] = c${r}[${c}] + a${r} * b${c};`);
  }
  lines.push('  }');
  for (const r of range(TR)) {
    for (const c of range(TC)) {
      const ij = `(i0 + ${u(r)}) * ${u(m.N)} + j0 + ${u(c)}`;
      const store = epilogueCode(m.epilogue, `${u(m.out.off)} + ${ij}`, ij, `j0 + ${u(c)}`, `c${r}[${c}]`, m.out.buf);
      const guards = [raggedRows ? `i0 + ${u(r)} < ${u(m.M)}` : '', raggedCols ? `j0 + ${u(c)} < ${u(m.N)}` : ''].filter(Boolean);
      lines.push(guards.length ? `  if (${guards.join(' && ')}) { ${store} }` : `  ${store}`);
    }
  }
  return entry(m.name, tiles + (m.rowSums ? m.M : 0), lines.join('\n'));
}
