// Runs a fused training step (mlp-step-wgsl.ts for MLPs, ../cnn-kernels/ for the CNN) on a
// WebGPU device with buffers it owns: the packed params and optimizer slots, the training
// set, a chunk of queued steps (their records, batch indices and dropout masks) and a ring of
// per-step losses. Steps are queued in JS and sent as one submit per chunk, so the GPU sees
// one dispatch for many small-model steps, or a few dispatches per step for a large model.
// Nothing is read back unless asked.
import * as tf from '@tensorflow/tfjs';
import { ADAM_BETA1, ADAM_BETA2 } from '../../engine/optimizers.ts';
import { fillDropoutMask } from './dropout-masks.ts';
import { RECORD_WORDS, stepWork, writeRecord, type MlpLayout } from './mlp-layout.ts';
import { mlpStepShader, type MlpStepShader } from './mlp-step-wgsl.ts';
import { canUnrollRows } from './mlp-step-rows.ts';
import { mlpPacking, type StatePacking } from './fused-optimizer-state.ts';

/** Most steps in one submit; bounds the latency of a pause and the size of the chunk buffers. */
export const MAX_CHUNK = 64;
/** Dropout masks of one chunk stay below this many bytes, well under WebGPU's 128 MB binding limit. */
const MAX_MASK_BYTES = 32 * 2 ** 20;
/** Losses kept on the device between readbacks; the app reads every 64 steps at most. */
export const LOSS_RING = 65536;
/** Below this many multiply-adds per step one workgroup is faster than a dispatch per phase (if the network is small enough to write out; see canUnrollRows). */
const SINGLE_WORKGROUP_WORK = 400_000;
/** Dynamic uniform offsets must be multiples of this (WebGPU's default minimum). */
const UNIFORM_STRIDE = 256;

/** What a FusedStep runs: the WGSL, and where its buffers keep what. */
export interface FusedKernel {
  /** The model's name in error messages, e.g. 'MLP'. */
  name: string;
  /** The dense layers: batch size, dropout masks, loss. For the CNN, their offsets count the convolutions' params and scratch too. */
  dense: MlpLayout;
  packing: StatePacking;
  shader: MlpStepShader;
  /** 'single': one dispatch runs every step of a chunk; 'phases': the shader's entries run once per step. */
  mode: 'single' | 'phases';
  /** Steps per submit; the chunk buffer the shader reads holds this many. */
  maxChunk: number;
}

/** Steps per submit: MAX_CHUNK unless the dropout masks of that many steps would be too large. */
export const maxChunkFor = (dense: MlpLayout) => Math.max(1, Math.min(MAX_CHUNK, Math.floor(MAX_MASK_BYTES / (4 * Math.max(1, dense.maskSizePerStep)))));

export function mlpKernel(layout: MlpLayout, mode: 'single' | 'phases' = stepWork(layout) <= SINGLE_WORKGROUP_WORK && canUnrollRows(layout) ? 'single' : 'phases'): FusedKernel {
  const maxChunk = maxChunkFor(layout);
  return { name: 'MLP', dense: layout, packing: mlpPacking(layout), shader: mlpStepShader(layout, maxChunk, mode), mode, maxChunk };
}

/** One queued step, as the Trainer describes it. */
export interface QueuedStep {
  learningRate: number;
  l2: number;
  /** 0 turns dropout off for this step. */
  dropout: number;
  /** tf.dropout's seed for the first hidden layer; layer i uses dropoutSeed + i. */
  dropoutSeed: number;
  /** The batch's rows in the training set. */
  examples: ArrayLike<number>;
}

let liveBuffers = 0;

/** A GPU buffer counted in FusedStep.liveBufferCount; the fused paths' other programs (the CNN's evaluation) use it too. */
export function createCountedBuffer(device: GPUDevice, size: number, usage: GPUBufferUsageFlags): GPUBuffer {
  liveBuffers += 1;
  // WebGPU rounds copies and bindings to 4 bytes; sizes here are already multiples of 4.
  return device.createBuffer({ size: Math.max(4, size), usage });
}

export function destroyCountedBuffer(buffer: GPUBuffer): void {
  liveBuffers -= 1;
  buffer.destroy();
}

export class FusedStep {
  readonly kernel: FusedKernel;
  /** Completed optimizer updates, as tfjs's `iterations`. */
  iterations = 0;
  /** Adam's beta1^(t+1) and beta2^(t+1), float32, advanced exactly as tfjs's accBeta1/accBeta2 are. */
  beta1Power = Math.fround(ADAM_BETA1);
  beta2Power = Math.fround(ADAM_BETA2);

  #device: GPUDevice;
  #buffers: Record<'uniform' | 'chunk' | 'x' | 'y' | 'state' | 'scratch' | 'losses', GPUBuffer>;
  #masks: GPUBuffer;
  #bindGroupLayout: GPUBindGroupLayout;
  #bindGroup: GPUBindGroup;
  #module: GPUShaderModule;
  #pipelines: GPUComputePipeline[] | null = null;
  #compiling: Promise<GPUComputePipeline[]>;
  #chunkWords: Uint32Array;
  #chunkFloats: Float32Array;
  #maskValues: Float32Array;
  #queued = 0;
  #queuedDropout = false;
  /** Steps whose loss is in the ring but not yet read; the oldest sits at #readSlot. */
  #pendingLosses = 0;
  #readSlot = 0;
  #views: GPUBuffer[] = [];
  /** Completion of each submitted chunk the GPU has not finished yet, oldest first. */
  #inFlight: Promise<void>[] = [];

  /**
   * The packed params, then each optimizer slot, where the steps write them: a forward pass
   * of its own (the CNN's evaluation) reads the params here after flush() has sent the queued steps.
   */
  get stateBuffer(): GPUBuffer {
    return this.#buffers.state;
  }

  /** GPU buffers alive across all instances (and createCountedBuffer's), for leak tests. */
  static get liveBufferCount(): number {
    return liveBuffers;
  }

  /**
   * `trainX` is [examples, inputs] and `trainTargets` [examples, outputs] (one-hot rows or
   * regression targets). Compilation starts now and finishes in the background (see ready()).
   */
  constructor(device: GPUDevice, kernel: FusedKernel, trainX: Float32Array, trainTargets: Float32Array) {
    this.#device = device;
    this.kernel = kernel;
    const { dense: layout, packing, shader, maxChunk } = kernel;
    const U = GPUBufferUsage;
    const stateSize = packing.paramCount * (1 + packing.slotCount);
    this.#chunkWords = new Uint32Array(maxChunk * (RECORD_WORDS + layout.batch));
    this.#chunkFloats = new Float32Array(this.#chunkWords.buffer);
    this.#buffers = {
      uniform: this.#buffer((maxChunk + 1) * UNIFORM_STRIDE, U.UNIFORM | U.COPY_DST),
      chunk: this.#buffer(this.#chunkWords.byteLength, U.STORAGE | U.COPY_DST),
      x: this.#buffer(trainX.byteLength, U.STORAGE | U.COPY_DST),
      y: this.#buffer(trainTargets.byteLength, U.STORAGE | U.COPY_DST),
      state: this.#buffer(stateSize * 4, U.STORAGE | U.COPY_DST | U.COPY_SRC),
      scratch: this.#buffer(shader.scratchWords * 4, U.STORAGE),
      losses: this.#buffer(LOSS_RING * 4, U.STORAGE | U.COPY_SRC),
    };
    // Masks are allocated when a step first uses dropout; until then a placeholder is bound.
    this.#maskValues = new Float32Array(0);
    this.#masks = this.#buffer(4, U.STORAGE | U.COPY_DST);
    const queue = device.queue;
    queue.writeBuffer(this.#buffers.x, 0, trainX);
    queue.writeBuffer(this.#buffers.y, 0, trainTargets);
    const steps = new Uint32Array(((maxChunk + 1) * UNIFORM_STRIDE) / 4);
    for (let s = 0; s < maxChunk; s++) steps.set([s, 1], (s * UNIFORM_STRIDE) / 4);
    queue.writeBuffer(this.#buffers.uniform, 0, steps);

    const storage = (type: GPUBufferBindingType) => ({ visibility: GPUShaderStage.COMPUTE, buffer: { type } });
    this.#bindGroupLayout = device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
        ...(['read-only-storage', 'read-only-storage', 'read-only-storage', 'read-only-storage', 'storage', 'storage', 'storage'] as const).map((t, i) => ({ binding: i + 1, ...storage(t) })),
      ],
    });
    this.#bindGroup = this.#createBindGroup();
    this.#module = device.createShaderModule({ code: shader.code });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.#bindGroupLayout] });
    this.#compiling = Promise.all(
      shader.entries.map((e) => device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module: this.#module, entryPoint: e.entryPoint } })),
    );
    // A failed compile surfaces in ready() (with the compiler's messages) or in the first flush.
    this.#compiling.then((p) => (this.#pipelines ??= p)).catch(() => {});
  }

  /** Resolves when the pipelines are compiled; rejects with the compiler's messages if the WGSL is invalid. */
  async ready(): Promise<void> {
    const info = await this.#module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) throw new Error(`The fused ${this.kernel.name} kernel did not compile: ${errors.map((m) => `line ${m.lineNum}: ${m.message}`).join('; ')}`);
    this.#pipelines ??= await this.#compiling;
  }

  get pendingLossCount(): number {
    return this.#pendingLosses;
  }

  /**
   * While the GPU is more than one chunk behind, a promise that resolves when it is one
   * chunk behind; null otherwise. Queueing no further ahead keeps it busy and keeps a Pause
   * or a Save from waiting behind a long queue: they wait one chunk, whatever the round.
   */
  backlog(): Promise<void> | null {
    return this.#inFlight.length > 1 ? this.#inFlight[this.#inFlight.length - 2] : null;
  }

  /** Replaces the params (packed in paramSpecs order) and, if given, the optimizer slots. */
  writeState(params: Float32Array, slots?: Float32Array): void {
    this.flush();
    const { paramCount: P, slotCount } = this.kernel.packing;
    this.#device.queue.writeBuffer(this.#buffers.state, 0, params);
    const zeros = new Float32Array(P * slotCount);
    this.#device.queue.writeBuffer(this.#buffers.state, P * 4, slots ?? zeros);
  }

  /**
   * Trains on new rows from the next step on (the same layout, so the batch size is unchanged).
   * Steps already queued are sent first, with the rows they were queued for.
   */
  replaceTrainingData(trainX: Float32Array, trainTargets: Float32Array): void {
    this.flush();
    const U = GPUBufferUsage;
    this.#destroy(this.#buffers.x);
    this.#destroy(this.#buffers.y);
    this.#buffers.x = this.#buffer(trainX.byteLength, U.STORAGE | U.COPY_DST);
    this.#buffers.y = this.#buffer(trainTargets.byteLength, U.STORAGE | U.COPY_DST);
    this.#device.queue.writeBuffer(this.#buffers.x, 0, trainX);
    this.#device.queue.writeBuffer(this.#buffers.y, 0, trainTargets);
    this.#bindGroup = this.#createBindGroup();
  }

  /**
   * Continues `from`'s training: copies its params and optimizer slots on the device, and its
   * step counters. For a new batch size, which needs a kernel of its own; `from` must train the
   * same model with the same optimizer, and have no losses left to read.
   */
  adoptState(from: FusedStep): void {
    const size = this.#buffers.state.size;
    if (from.#buffers.state.size !== size || from.kernel.packing.slotCount !== this.kernel.packing.slotCount) throw new Error('adoptState() needs a fused step of the same model and optimizer.');
    if (from.pendingLossCount > 0) throw new Error('adoptState() needs every loss of the previous fused step read back first.');
    from.flush();
    const encoder = this.#device.createCommandEncoder();
    encoder.copyBufferToBuffer(from.#buffers.state, 0, this.#buffers.state, 0, size);
    this.#device.queue.submit([encoder.finish()]);
    this.iterations = from.iterations;
    this.beta1Power = from.beta1Power;
    this.beta2Power = from.beta2Power;
  }

  /** Queues one step; sends the chunk when it is full. */
  enqueue(step: QueuedStep): void {
    if (this.#pendingLosses >= LOSS_RING) throw new Error(`${LOSS_RING} steps were queued without reading their losses; call readLosses() in between.`);
    const { dense: layout, maxChunk } = this.kernel;
    const s = this.#queued;
    const adam = layout.optimizer === 'adam';
    writeRecord(this.#chunkWords, this.#chunkFloats, s, {
      learningRate: step.learningRate,
      // tfjs computes sub(1, accBeta) in float32 before each update.
      oneMinusBeta1Power: adam ? Math.fround(1 - this.beta1Power) : 1,
      oneMinusBeta2Power: adam ? Math.fround(1 - this.beta2Power) : 1,
      l2: step.l2,
      lossSlot: (this.#readSlot + this.#pendingLosses) % LOSS_RING,
      dropout: step.dropout > 0,
    });
    const indexBase = maxChunk * RECORD_WORDS + s * layout.batch;
    for (let b = 0; b < layout.batch; b++) this.#chunkWords[indexBase + b] = step.examples[b];
    if (step.dropout > 0) {
      this.#ensureMaskCapacity();
      for (let i = 0; i < layout.maskOffsets.length; i++) {
        const start = s * layout.maskSizePerStep + layout.maskOffsets[i];
        fillDropoutMask(this.#maskValues.subarray(start, start + layout.batch * layout.sizes[i + 1]), step.dropout, step.dropoutSeed + i);
      }
      this.#queuedDropout = true;
    }
    if (adam) {
      this.beta1Power = Math.fround(this.beta1Power * Math.fround(ADAM_BETA1));
      this.beta2Power = Math.fround(this.beta2Power * Math.fround(ADAM_BETA2));
    }
    this.iterations += 1;
    this.#queued += 1;
    this.#pendingLosses += 1;
    if (this.#queued === maxChunk) this.flush();
  }

  /** Sends the queued steps to the GPU in one submit. */
  flush(): void {
    const n = this.#queued;
    if (n === 0) return;
    const { queue } = this.#device;
    const { dense: layout, maxChunk, mode, shader } = this.kernel;
    queue.writeBuffer(this.#buffers.chunk, 0, this.#chunkWords, 0, n * RECORD_WORDS);
    queue.writeBuffer(this.#buffers.chunk, maxChunk * RECORD_WORDS * 4, this.#chunkWords, maxChunk * RECORD_WORDS, n * layout.batch);
    if (this.#queuedDropout) queue.writeBuffer(this.#masks, 0, this.#maskValues, 0, n * layout.maskSizePerStep);
    queue.writeBuffer(this.#buffers.uniform, maxChunk * UNIFORM_STRIDE, new Uint32Array([0, n]));
    const pipelines = (this.#pipelines ??= this.#compileNow());
    const encoder = this.#device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    if (mode === 'single') {
      pass.setPipeline(pipelines[0]);
      pass.setBindGroup(0, this.#bindGroup, [maxChunk * UNIFORM_STRIDE]);
      pass.dispatchWorkgroups(1);
    } else {
      for (let s = 0; s < n; s++) {
        pass.setBindGroup(0, this.#bindGroup, [s * UNIFORM_STRIDE]);
        shader.entries.forEach((e, i) => {
          pass.setPipeline(pipelines[i]);
          pass.dispatchWorkgroups(e.workgroups);
        });
      }
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
    const staging = this.#buffer(count * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    const encoder = this.#device.createCommandEncoder();
    const first = Math.min(count, LOSS_RING - this.#readSlot);
    encoder.copyBufferToBuffer(this.#buffers.losses, this.#readSlot * 4, staging, 0, first * 4);
    if (first < count) encoder.copyBufferToBuffer(this.#buffers.losses, 0, staging, first * 4, (count - first) * 4);
    this.#device.queue.submit([encoder.finish()]);
    this.#pendingLosses = 0;
    this.#readSlot = (this.#readSlot + count) % LOSS_RING;
    try {
      await staging.mapAsync(GPUMapMode.READ);
      return new Float32Array(staging.getMappedRange().slice(0));
    } finally {
      this.#destroy(staging);
    }
  }

  /** The whole state (params, then each slot), read back. */
  async readState(): Promise<Float32Array> {
    this.flush();
    const size = this.#buffers.state.size;
    const staging = this.#buffer(size, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    const encoder = this.#device.createCommandEncoder();
    encoder.copyBufferToBuffer(this.#buffers.state, 0, staging, 0, size);
    this.#device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ);
      return new Float32Array(staging.getMappedRange().slice(0));
    } finally {
      this.#destroy(staging);
    }
  }

  /**
   * The current params as new tfjs tensors (the caller disposes them), copied on the device:
   * ours into one exactly-sized buffer per param, then by tfjs into buffers it owns.
   */
  paramTensors(shapes: number[][]): tf.Tensor[] {
    this.flush();
    const ranges = this.kernel.packing.ranges;
    if (this.#views.length === 0) this.#views = ranges.map(([a, b]) => this.#buffer((b - a) * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST));
    const encoder = this.#device.createCommandEncoder();
    ranges.forEach(([a, b], i) => encoder.copyBufferToBuffer(this.#buffers.state, a * 4, this.#views[i], 0, (b - a) * 4));
    this.#device.queue.submit([encoder.finish()]);
    return this.#views.map((buffer, i) => tf.tensor({ buffer }, shapes[i], 'float32'));
  }

  dispose(): void {
    for (const b of [...Object.values(this.#buffers), this.#masks, ...this.#views]) this.#destroy(b);
    this.#views = [];
  }

  #compileNow(): GPUComputePipeline[] {
    const layout = this.#device.createPipelineLayout({ bindGroupLayouts: [this.#bindGroupLayout] });
    return this.kernel.shader.entries.map((e) => this.#device.createComputePipeline({ layout, compute: { module: this.#module, entryPoint: e.entryPoint } }));
  }

  #ensureMaskCapacity(): void {
    const size = this.kernel.maxChunk * this.kernel.dense.maskSizePerStep;
    if (this.#maskValues.length >= size) return;
    // Steps already queued wrote no masks, so nothing is lost by growing now.
    this.flush();
    this.#maskValues = new Float32Array(size);
    this.#destroy(this.#masks);
    this.#masks = this.#buffer(Math.max(4, size * 4), GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
    this.#bindGroup = this.#createBindGroup();
  }

  #createBindGroup(): GPUBindGroup {
    const b = this.#buffers;
    const resources = [b.chunk, b.x, b.y, this.#masks, b.state, b.scratch, b.losses];
    return this.#device.createBindGroup({
      layout: this.#bindGroupLayout,
      entries: [{ binding: 0, resource: { buffer: b.uniform, size: 8 } }, ...resources.map((buffer, i) => ({ binding: i + 1, resource: { buffer } }))],
    });
  }

  #buffer(size: number, usage: GPUBufferUsageFlags): GPUBuffer {
    return createCountedBuffer(this.#device, size, usage);
  }

  #destroy(buffer: GPUBuffer): void {
    destroyCountedBuffer(buffer);
  }
}
