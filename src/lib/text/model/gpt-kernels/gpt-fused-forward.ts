// A forward pass of the fused GPT without dropout (gptForwardProgram), on the params of a
// GptFusedStep's state buffer: the held-out loss, the logits for sampling and greedy answers,
// and the attention picture. Every window runs at the full context with its tokens at
// positions 0 … w − 1 and zeros after them: attention is causal, so positions past w change
// nothing before it, and the logits at w − 1 are those of a window of length w.
import type { GptSpec } from '../gpt-spec.ts';
import { gptLayout, type GptLayout } from './gpt-layout.ts';
import { gptForwardProgram, type GptProgram } from './gpt-step-wgsl.ts';
import { workgroupsFor } from './gpt-wgsl-common.ts';
import { createCountedBuffer, destroyCountedBuffer, readRegions } from './gpu-buffers.ts';

export class GptFusedForward {
  readonly layout: GptLayout;
  readonly program: GptProgram;
  #device: GPUDevice;
  #buffers: GPUBuffer[];
  #tokens: GPUBuffer;
  #acts: GPUBuffer;
  #output: GPUBuffer;
  #bindGroup: GPUBindGroup;
  #pipelines: Promise<GPUComputePipeline[]>;

  /** `batch` windows of `spec`'s context; `loss` adds the cross-entropy and its mean. `state` is the step's (params first). */
  constructor(device: GPUDevice, spec: GptSpec, batch: number, loss: boolean, state: GPUBuffer, bindGroupLayout: GPUBindGroupLayout) {
    this.#device = device;
    this.layout = gptLayout({ ...spec, dropout: 0 }, batch);
    this.program = gptForwardProgram(this.layout, loss);
    const U = GPUBufferUsage;
    const record = createCountedBuffer(device, 256, U.UNIFORM | U.COPY_DST);
    // slot 0, loss slot 0, dropout off, the rest unused.
    device.queue.writeBuffer(record, 0, new Uint32Array(8));
    this.#tokens = createCountedBuffer(device, 2 * this.layout.rows * 4, U.STORAGE | U.COPY_DST);
    this.#acts = createCountedBuffer(device, this.layout.actsSize * 4, U.STORAGE | U.COPY_SRC);
    this.#output = createCountedBuffer(device, 16, U.STORAGE | U.COPY_SRC);
    // No dropout masks and no gradients; bound separately, as one buffer may not be bound read-only and writable at once.
    const noMasks = createCountedBuffer(device, 16, U.STORAGE);
    const noGrads = createCountedBuffer(device, 16, U.STORAGE);
    this.#buffers = [record, this.#tokens, this.#acts, this.#output, noMasks, noGrads];
    const resources = [this.#tokens, noMasks, state, noGrads, this.#acts, this.#output];
    this.#bindGroup = device.createBindGroup({
      layout: bindGroupLayout,
      entries: [{ binding: 0, resource: { buffer: record, size: 32 } }, ...resources.map((buffer, i) => ({ binding: i + 1, resource: { buffer } }))],
    });
    const module = device.createShaderModule({ code: this.program.code, label: 'GPT forward pass' });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] });
    this.#pipelines = Promise.all(this.program.entries.map((e) => device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module, entryPoint: e.name } })));
  }

  /** Runs the pass on `windows` (at most `batch`, each at most the context long) with optional targets. */
  async #run(windows: readonly (readonly number[])[], targets?: Int32Array): Promise<void> {
    const { rows, T, batch } = this.layout;
    if (windows.length > batch || windows.some((w) => w.length > T || w.length === 0)) {
      throw new Error(`The fused forward pass reads up to ${batch} windows of 1 to ${T} tokens.`);
    }
    const tokens = new Uint32Array(2 * rows);
    windows.forEach((w, b) => tokens.set(w, b * T));
    if (targets) tokens.set(targets, rows);
    const pipelines = await this.#pipelines;
    this.#device.queue.writeBuffer(this.#tokens, 0, tokens);
    const encoder = this.#device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setBindGroup(0, this.#bindGroup, [0]);
    this.program.entries.forEach((e, i) => {
      const [x, y] = workgroupsFor(e.threads);
      pass.setPipeline(pipelines[i]);
      pass.dispatchWorkgroups(x, y);
    });
    pass.end();
    this.#device.queue.submit([encoder.finish()]);
  }

  /** Mean cross-entropy (nats) of full-context windows [batch × T] against their targets. */
  async loss(inputs: Int32Array, targets: Int32Array): Promise<number> {
    const { T } = this.layout;
    const windows = Array.from({ length: inputs.length / T }, (_, b) => Array.from(inputs.subarray(b * T, (b + 1) * T)));
    await this.#run(windows, targets);
    const [values] = await readRegions(this.#device, this.#output, [{ offset: 0, size: 1 }]);
    return values[0];
  }

  /** The logits after the last token of each window (all of one length), [windows × vocab]. */
  async lastLogits(windows: readonly (readonly number[])[]): Promise<Float32Array> {
    await this.#run(windows);
    const { T, V } = this.layout;
    const w = windows[0].length;
    const rows = await readRegions(
      this.#device,
      this.#acts,
      windows.map((_, b) => ({ offset: this.layout.logits + (b * T + w - 1) * V, size: V })),
    );
    const out = new Float32Array(windows.length * V);
    rows.forEach((r, b) => out.set(r, b * V));
    return out;
  }

  /** Every layer's attention probabilities for one window, [layer][head][query][key], keys after the query 0. */
  async attention(window: readonly number[]): Promise<number[][][][]> {
    await this.#run([window]);
    const { T, H } = this.layout;
    const w = window.length;
    const maps = await readRegions(
      this.#device,
      this.#acts,
      this.layout.layers.map((l) => ({ offset: l.probs, size: H * T * T })),
    );
    return maps.map((probs) =>
      Array.from({ length: H }, (_, h) => Array.from({ length: w }, (_, q) => Array.from({ length: w }, (_, k) => (k <= q ? probs[(h * T + q) * T + k] : 0)))),
    );
  }

  dispose(): void {
    for (const b of this.#buffers) destroyCountedBuffer(b);
    this.#buffers = [];
  }
}
