// Runs the generated GPT training step (gpt-step-wgsl.ts) on the WebGPU device TensorFlow.js
// uses, with buffers it owns: the state (params, then AdamW's first and second moments, each
// packed in textParamSpecs order), the gradients, the activations, each queued step's tokens
// and dropout masks, and a ring of per-step losses. Steps are queued in JS and sent as one
// submit per chunk, each step a fixed list of dispatches with one bind group, so the CPU's
// part of a step is a few dozen encoder calls. Nothing is read back unless asked.
import * as tf from '@tensorflow/tfjs';
import { fillDropoutMask } from '../../../models/mlp-kernels/dropout-masks.ts';
import { LOSS_RING } from '../../../models/mlp-kernels/fused-step.ts';
import { DEFAULT_ADAMW } from '../adamw.ts';
import { gptLayoutBytes, type GptLayout } from './gpt-layout.ts';
import { gptStepProgram, type GptProgram } from './gpt-step-wgsl.ts';
import { workgroupsFor } from './gpt-wgsl-common.ts';
import { GptFusedForward } from './gpt-fused-forward.ts';
import { createCountedBuffer, destroyCountedBuffer, liveGptBuffers, readJoined } from './gpu-buffers.ts';

/** Dynamic uniform offsets must be multiples of this (WebGPU's default minimum). */
const UNIFORM_STRIDE = 256;
/** Multiply-adds a chunk of steps should hold at most: about a tenth of a second on a software GPU, so a Pause or Save waits little. */
const CHUNK_WORK = 50e6;
/** Most steps per submit, for tiny models. */
const MAX_CHUNK = 16;

/** One queued step, as the TextTrainer describes it. */
export interface GptQueuedStep {
  /** [batch × context] token ids, and the next token of each. */
  inputs: Int32Array;
  targets: Int32Array;
  learningRate: number;
  weightDecay: number;
  /** Global-norm clip; 0 turns clipping off. */
  gradClip: number;
  /** 0 turns dropout off for this step. */
  dropout: number;
  /** Seed of the step's first dropout site; site i uses dropoutSeed + i, as gpt-forward.ts's tf.dropout calls do. */
  dropoutSeed: number;
}

/** Multiply-adds of one training step: about three times the forward pass's matmuls. */
export function gptStepWork(layout: GptLayout): number {
  const { rows: N, C, F, V, T } = layout;
  const perLayer = N * (3 * C * C + C * C + 2 * C * F) + N * T * C;
  return 3 * (layout.layers.length * perLayer + N * C * V);
}

/** Why this device cannot hold a fused run of `layout`, as a phrase for the backend line; null when it can. */
export function gptFusedTooLarge(layout: GptLayout, limits: GPUSupportedLimits): string | null {
  const { largest } = gptLayoutBytes(layout, true);
  const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (largest <= limit) return null;
  const mb = (bytes: number) => `${Math.ceil(bytes / 2 ** 20)} MB`;
  return `this model and batch need a ${mb(largest)} buffer, more than this GPU binds (${mb(limit)}); a smaller batch, context or width fits`;
}

export class GptFusedStep {
  readonly layout: GptLayout;
  readonly program: GptProgram;
  readonly maxChunk: number;
  /** AdamW updates applied (queued) so far; the next update's bias corrections use adamStep + 1. */
  adamStep = 0;

  #device: GPUDevice;
  #buffers: Record<'uniform' | 'tokens' | 'state' | 'grads' | 'acts' | 'losses', GPUBuffer>;
  #masks: GPUBuffer;
  #maskValues = new Float32Array(0);
  #bindGroupLayout: GPUBindGroupLayout;
  #bindGroup: GPUBindGroup;
  #module: GPUShaderModule;
  #pipelines: GPUComputePipeline[] | null = null;
  #compiling: Promise<GPUComputePipeline[]>;
  #records: ArrayBuffer;
  #tokens: Uint32Array;
  #queued = 0;
  #queuedDropout = false;
  #pendingLosses = 0;
  #readSlot = 0;
  #views: GPUBuffer[] = [];
  #inFlight: Promise<void>[] = [];
  /** Forward passes on these params, by batch size and whether they score a loss. */
  #forwards = new Map<string, GptFusedForward>();

  /** GPU buffers alive across all instances, for leak tests. */
  static get liveBufferCount(): number {
    return liveGptBuffers();
  }

  /** Compilation starts now and finishes in the background (see ready()). */
  constructor(device: GPUDevice, layout: GptLayout) {
    this.#device = device;
    this.layout = layout;
    this.program = gptStepProgram(layout);
    this.maxChunk = Math.max(1, Math.min(MAX_CHUNK, Math.floor(CHUNK_WORK / gptStepWork(layout))));
    const U = GPUBufferUsage;
    const P = layout.paramCount;
    this.#records = new ArrayBuffer(this.maxChunk * UNIFORM_STRIDE);
    this.#tokens = new Uint32Array(this.maxChunk * 2 * layout.rows);
    this.#buffers = {
      uniform: this.#buffer(this.#records.byteLength, U.UNIFORM | U.COPY_DST),
      tokens: this.#buffer(this.#tokens.byteLength, U.STORAGE | U.COPY_DST),
      state: this.#buffer(3 * P * 4, U.STORAGE | U.COPY_DST | U.COPY_SRC),
      grads: this.#buffer(P * 4, U.STORAGE | U.COPY_SRC),
      acts: this.#buffer(layout.actsSize * 4, U.STORAGE),
      losses: this.#buffer(LOSS_RING * 4, U.STORAGE | U.COPY_SRC),
    };
    // Masks are allocated when a step first uses dropout; until then a placeholder is bound.
    this.#masks = this.#buffer(4, U.STORAGE | U.COPY_DST);
    const storage = (type: GPUBufferBindingType) => ({ visibility: GPUShaderStage.COMPUTE, buffer: { type } });
    this.#bindGroupLayout = device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
        ...(['read-only-storage', 'read-only-storage', 'storage', 'storage', 'storage', 'storage'] as const).map((t, i) => ({ binding: i + 1, ...storage(t) })),
      ],
    });
    this.#bindGroup = this.#createBindGroup();
    this.#module = device.createShaderModule({ code: this.program.code, label: 'GPT training step' });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.#bindGroupLayout] });
    this.#compiling = Promise.all(
      this.program.entries.map((e) => device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module: this.#module, entryPoint: e.name } })),
    );
    this.#compiling.then((p) => (this.#pipelines ??= p)).catch(() => {});
  }

  /** Resolves when the pipelines are compiled; rejects with the compiler's messages if the WGSL is invalid. */
  async ready(): Promise<void> {
    const info = await this.#module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) throw new Error(`The fused GPT kernels did not compile: ${errors.map((m) => `line ${m.lineNum}: ${m.message}`).join('; ')}`);
    this.#pipelines ??= await this.#compiling;
  }

  get pendingLossCount(): number {
    return this.#pendingLosses;
  }

  /** While the GPU is more than one chunk behind, a promise that resolves when it is one chunk behind; null otherwise. */
  backlog(): Promise<void> | null {
    return this.#inFlight.length > 1 ? this.#inFlight[this.#inFlight.length - 2] : null;
  }

  /** Replaces the params (packed in textParamSpecs order) and AdamW's moments (zeros if not given), and the update count. */
  writeState(params: Float32Array, moments?: { m: Float32Array; v: Float32Array; step: number }): void {
    this.flush();
    const P = this.layout.paramCount;
    if (params.length !== P || (moments && (moments.m.length !== P || moments.v.length !== P))) {
      throw new Error(`The fused GPT step holds ${P} parameters, but was given ${params.length}.`);
    }
    const queue = this.#device.queue;
    queue.writeBuffer(this.#buffers.state, 0, params);
    queue.writeBuffer(this.#buffers.state, P * 4, moments?.m ?? new Float32Array(P));
    queue.writeBuffer(this.#buffers.state, 2 * P * 4, moments?.v ?? new Float32Array(P));
    this.adamStep = moments?.step ?? 0;
  }

  /** Queues one step; sends the chunk when it is full. */
  enqueue(step: GptQueuedStep): void {
    if (this.#pendingLosses >= LOSS_RING) throw new Error(`${LOSS_RING} steps were queued without reading their losses; call readLosses() in between.`);
    const { rows } = this.layout;
    if (step.inputs.length !== rows || step.targets.length !== rows) throw new Error(`A fused GPT step reads ${rows} tokens, but was given ${step.inputs.length}.`);
    const s = this.#queued;
    const { beta1, beta2 } = DEFAULT_ADAMW;
    const t = this.adamStep + 1;
    const words = new Uint32Array(this.#records, s * UNIFORM_STRIDE, 8);
    const floats = new Float32Array(this.#records, s * UNIFORM_STRIDE, 8);
    words[0] = s;
    words[1] = (this.#readSlot + this.#pendingLosses) % LOSS_RING;
    words[2] = step.dropout > 0 ? 1 : 0;
    floats[3] = step.gradClip > 0 ? step.gradClip : 0;
    // The same JS numbers adamw.ts hands to TensorFlow.js, rounded to float32 as its scalars are.
    floats[4] = step.weightDecay > 0 ? 1 - step.learningRate * step.weightDecay : 1;
    floats[5] = step.learningRate / (1 - beta1 ** t);
    floats[6] = Math.sqrt(1 - beta2 ** t);
    this.#tokens.set(step.inputs, s * 2 * rows);
    this.#tokens.set(step.targets, s * 2 * rows + rows);
    if (step.dropout > 0) {
      this.#ensureMaskCapacity();
      const { sizes } = this.layout.masks;
      let at = s * this.layout.maskSizePerStep;
      sizes.forEach((size, site) => {
        fillDropoutMask(this.#maskValues.subarray(at, at + size), step.dropout, step.dropoutSeed + site);
        at += size;
      });
      this.#queuedDropout = true;
    }
    this.adamStep = t;
    this.#queued += 1;
    this.#pendingLosses += 1;
    if (this.#queued === this.maxChunk) this.flush();
  }

  /** Sends the queued steps to the GPU in one submit. */
  flush(): void {
    const n = this.#queued;
    if (n === 0) return;
    const queue = this.#device.queue;
    queue.writeBuffer(this.#buffers.uniform, 0, this.#records, 0, n * UNIFORM_STRIDE);
    queue.writeBuffer(this.#buffers.tokens, 0, this.#tokens, 0, n * 2 * this.layout.rows);
    if (this.#queuedDropout) queue.writeBuffer(this.#masks, 0, this.#maskValues, 0, n * this.layout.maskSizePerStep);
    const pipelines = (this.#pipelines ??= this.#compileNow());
    const groups = this.program.entries.map((e) => workgroupsFor(e.threads));
    const encoder = this.#device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let s = 0; s < n; s++) {
      pass.setBindGroup(0, this.#bindGroup, [s * UNIFORM_STRIDE]);
      pipelines.forEach((pipeline, i) => {
        pass.setPipeline(pipeline);
        pass.dispatchWorkgroups(groups[i][0], groups[i][1]);
      });
    }
    pass.end();
    queue.submit([encoder.finish()]);
    const done: Promise<void> = queue.onSubmittedWorkDone().then(() => {
      this.#inFlight.splice(this.#inFlight.indexOf(done), 1);
    });
    this.#inFlight.push(done);
    this.#queued = 0;
    this.#queuedDropout = false;
  }

  /** Reads every pending loss in one transfer, oldest first. */
  async readLosses(): Promise<Float32Array> {
    this.flush();
    const count = this.#pendingLosses;
    if (count === 0) return new Float32Array(0);
    const first = Math.min(count, LOSS_RING - this.#readSlot);
    const regions = [{ offset: this.#readSlot, size: first }];
    if (first < count) regions.push({ offset: 0, size: count - first });
    this.#pendingLosses = 0;
    this.#readSlot = (this.#readSlot + count) % LOSS_RING;
    return readJoined(this.#device, this.#buffers.losses, regions);
  }

  /** The whole state read back: params, then the first moments, then the second, each `paramCount` long. */
  async readState(): Promise<Float32Array> {
    this.flush();
    return readJoined(this.#device, this.#buffers.state, [{ offset: 0, size: 3 * this.layout.paramCount }]);
  }

  /** The gradients of the last step run (before clipping), for reference tests. */
  async readGradients(): Promise<Float32Array> {
    this.flush();
    return readJoined(this.#device, this.#buffers.grads, [{ offset: 0, size: this.layout.paramCount }]);
  }

  /**
   * The current params as new tfjs tensors (the caller disposes them), copied on the device
   * into one buffer per param, which tfjs then copies into buffers it owns.
   */
  paramTensors(): tf.Tensor[] {
    this.flush();
    const { params } = this.layout;
    if (this.#views.length === 0) this.#views = params.map((p) => this.#buffer(p.size * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST));
    const encoder = this.#device.createCommandEncoder();
    params.forEach((p, i) => encoder.copyBufferToBuffer(this.#buffers.state, p.offset * 4, this.#views[i], 0, p.size * 4));
    this.#device.queue.submit([encoder.finish()]);
    return this.#views.map((buffer, i) => tf.tensor({ buffer }, params[i].shape, 'float32'));
  }

  /**
   * A forward pass without dropout on the current params, for `batch` windows (for logits
   * rounded up to a power of two, so sampling and answering compile a few passes). Queued
   * steps are sent first, so it sees their updates.
   */
  forward(batch: number, loss: boolean): GptFusedForward {
    this.flush();
    // A loss averages over every window, so it runs at its exact size.
    const size = loss ? batch : 2 ** Math.ceil(Math.log2(Math.max(1, batch)));
    const key = `${size}:${loss}`;
    let pass = this.#forwards.get(key);
    if (!pass) {
      pass = new GptFusedForward(this.#device, this.layout.spec, size, loss, this.#buffers.state, this.#bindGroupLayout);
      this.#forwards.set(key, pass);
    }
    return pass;
  }

  dispose(): void {
    for (const b of [...Object.values(this.#buffers), this.#masks, ...this.#views]) this.#destroy(b);
    for (const pass of this.#forwards.values()) pass.dispose();
    this.#forwards.clear();
    this.#views = [];
  }

  #compileNow(): GPUComputePipeline[] {
    const layout = this.#device.createPipelineLayout({ bindGroupLayouts: [this.#bindGroupLayout] });
    return this.program.entries.map((e) => this.#device.createComputePipeline({ layout, compute: { module: this.#module, entryPoint: e.name } }));
  }

  #ensureMaskCapacity(): void {
    const size = this.maxChunk * this.layout.maskSizePerStep;
    if (this.#maskValues.length >= size) return;
    // Steps already queued wrote no masks, so nothing is lost by growing now.
    this.#maskValues = new Float32Array(size);
    this.#destroy(this.#masks);
    this.#masks = this.#buffer(size * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
    this.#bindGroup = this.#createBindGroup();
  }

  #createBindGroup(): GPUBindGroup {
    const b = this.#buffers;
    const resources = [b.tokens, this.#masks, b.state, b.grads, b.acts, b.losses];
    return this.#device.createBindGroup({
      layout: this.#bindGroupLayout,
      entries: [{ binding: 0, resource: { buffer: b.uniform, size: 32 } }, ...resources.map((buffer, i) => ({ binding: i + 1, resource: { buffer } }))],
    });
  }

  #buffer(size: number, usage: GPUBufferUsageFlags): GPUBuffer {
    return createCountedBuffer(this.#device, size, usage);
  }

  #destroy(buffer: GPUBuffer): void {
    destroyCountedBuffer(buffer);
  }
}
