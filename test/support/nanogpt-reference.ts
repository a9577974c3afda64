/**
 * What a Python user gets from an exported text run, read without any of the app's code:
 * a safetensors reader written from the format's description, and nanoGPT's forward pass
 * (karpathy/nanoGPT model.py, GPT.forward) in plain float64 loops, with PyTorch's Linear
 * convention y = x · Wᵀ + b on weights stored [out, in]. If the export wrote a tensor under the
 * wrong name, in the wrong layout or untransposed, this model computes a different function.
 */

export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  values: Float32Array;
}

/** Parses safetensors bytes: an 8-byte little-endian header length, a JSON header, then the data. */
export function readSafetensors(file: Uint8Array): { names: string[]; metadata: Record<string, string>; tensors: Map<string, SafetensorsEntry>; dataStart: number } {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, SafetensorsEntry>();
  const names = Object.keys(header).filter((name) => name !== '__metadata__');
  for (const name of names) {
    const { dtype, shape, data_offsets: [begin, end] } = header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
    // A copy: the data of one tensor need not be 4-byte aligned within the file's buffer.
    const values = new Float32Array(file.slice(dataStart + begin, dataStart + end).buffer);
    tensors.set(name, { dtype, shape, values });
  }
  return { names, metadata: (header.__metadata__ ?? {}) as Record<string, string>, tensors, dataStart };
}

/** nanoGPT's GPTConfig, as config.json holds it. */
export interface NanoGptConfig {
  vocab_size: number;
  block_size: number;
  n_layer: number;
  n_head: number;
  n_embd: number;
}

type Matrix = number[][];

/** erf to about 1e-7 (Abramowitz and Stegun 7.1.26), far below float32's rounding of the logits. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

export function nanoGptForward(weights: Map<string, SafetensorsEntry>, config: NanoGptConfig, tokens: readonly number[]): Matrix {
  const get = (name: string) => {
    const entry = weights.get(name);
    if (!entry) throw new Error(`model.safetensors has no ${name}.`);
    return entry;
  };
  const width = config.n_embd;
  /** nn.Linear: y = x · Wᵀ + b, W stored [out, in]. */
  const linear = (x: Matrix, name: string, bias = true): Matrix => {
    const { shape: [out, inputs], values: w } = get(`${name}.weight`);
    if (inputs !== x[0].length) throw new Error(`${name}.weight is [${out}, ${inputs}], but its input has ${x[0].length} features.`);
    const b = bias ? get(`${name}.bias`).values : null;
    return x.map((row) => Array.from({ length: out }, (_, o) => {
      let sum = b ? b[o] : 0;
      for (let i = 0; i < inputs; i++) sum += w[o * inputs + i] * row[i];
      return sum;
    }));
  };
  const layerNorm = (x: Matrix, name: string): Matrix => {
    const gain = get(`${name}.weight`).values;
    const bias = get(`${name}.bias`).values;
    return x.map((row) => {
      const mean = row.reduce((a, b) => a + b, 0) / row.length;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
      return row.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * gain[i] + bias[i]);
    });
  };
  const add = (a: Matrix, b: Matrix): Matrix => a.map((row, t) => row.map((v, i) => v + b[t][i]));

  const wte = get('transformer.wte.weight').values;
  const wpe = get('transformer.wpe.weight').values;
  let x: Matrix = tokens.map((token, t) => Array.from({ length: width }, (_, i) => wte[token * width + i] + wpe[t * width + i]));
  const headSize = width / config.n_head;
  for (let layer = 0; layer < config.n_layer; layer++) {
    const h = `transformer.h.${layer}`;
    const qkv = linear(layerNorm(x, `${h}.ln_1`), `${h}.attn.c_attn`);
    const merged: Matrix = qkv.map(() => new Array<number>(width).fill(0));
    for (let head = 0; head < config.n_head; head++) {
      const at = (t: number, part: number, d: number) => qkv[t][part * width + head * headSize + d];
      for (let q = 0; q < tokens.length; q++) {
        const scores = Array.from({ length: q + 1 }, (_, k) => {
          let dot = 0;
          for (let d = 0; d < headSize; d++) dot += at(q, 0, d) * at(k, 1, d);
          return dot / Math.sqrt(headSize);
        });
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const total = e.reduce((a, b) => a + b, 0);
        for (let k = 0; k <= q; k++) for (let d = 0; d < headSize; d++) merged[q][head * headSize + d] += (e[k] / total) * at(k, 2, d);
      }
    }
    x = add(x, linear(merged, `${h}.attn.c_proj`));
    const hidden = linear(layerNorm(x, `${h}.ln_2`), `${h}.mlp.c_fc`).map((row) => row.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))));
    x = add(x, linear(hidden, `${h}.mlp.c_proj`));
  }
  return linear(layerNorm(x, 'transformer.ln_f'), 'lm_head', false);
}

/** nanoGPT's loss: mean cross-entropy in nats over every position of `batch` windows of `context` tokens. */
export function nanoGptLoss(weights: Map<string, SafetensorsEntry>, config: NanoGptConfig, windows: { batch: number; context: number; inputs: Int32Array; targets: Int32Array }): number {
  let total = 0;
  for (let row = 0; row < windows.batch; row++) {
    const at = row * windows.context;
    const logits = nanoGptForward(weights, config, Array.from(windows.inputs.subarray(at, at + windows.context)));
    logits.forEach((l, t) => {
      const max = Math.max(...l);
      const logSum = max + Math.log(l.reduce((sum, v) => sum + Math.exp(v - max), 0));
      total += logSum - l[windows.targets[at + t]];
    });
  }
  return total / (windows.batch * windows.context);
}
