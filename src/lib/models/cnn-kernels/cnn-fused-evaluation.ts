// The fused CNN's evaluation: the forward pass of cnn-forward-wgsl.ts over a held-out set
// that it uploads once, in batches of EVALUATION_BATCH rows, on the params of a FusedStep's
// state buffer. One submit runs every batch; one transfer reads back the outputs and each
// row's loss. Its pipelines compile when it is made, beside the training step's.
import { createCountedBuffer, destroyCountedBuffer, type FusedStep } from '../mlp-kernels/fused-step.ts';
import type { OptimizerKind } from '../../engine/config.ts';
import type { CnnSpec } from '../spec.ts';
import { cnnLayout, type CnnLayout } from './cnn-layout.ts';
import { cnnForwardShader, type CnnForwardShader } from './cnn-forward-wgsl.ts';

/**
 * Rows per batch (a multiple of 8, as the tiled dense layers want). Larger batches mean fewer
 * dispatches but more scratch: 512 keeps it near 5 MB for the digits CNN.
 */
export const EVALUATION_BATCH = 512;

/** Dynamic uniform offsets must be multiples of this (WebGPU's default minimum). */
const UNIFORM_STRIDE = 256;

export interface FusedEvaluationResult {
  /** The mean loss over the rows, as tf.losses.softmaxCrossEntropy (or meanSquaredError) computes it. */
  testLoss: number;
  /** The network's outputs (logits, or regression values), [rows, outputs]. */
  outputs: Float32Array;
}

export class CnnFusedEvaluation {
  readonly layout: CnnLayout;
  readonly shader: CnnForwardShader;
  /** Held-out examples; the last batch is padded with zero rows, which are computed and ignored. */
  readonly rows: number;
  readonly batches: number;
  #device: GPUDevice;
  #buffers: Record<'uniform' | 'x' | 'y' | 'scratch' | 'results', GPUBuffer>;
  #bindGroupLayout: GPUBindGroupLayout;
  /** Bound to one state buffer; made again when a new fused step (a new batch size) takes over. */
  #bindGroup: { state: GPUBuffer; group: GPUBindGroup } | null = null;
  #module: GPUShaderModule;
  #pipelines: Promise<GPUComputePipeline[]>;

  /** `testX` is [rows, ...inputShape]; `testTargets` [rows, outputs] (one-hot rows, or regression targets). */
  constructor(device: GPUDevice, spec: CnnSpec, optimizer: OptimizerKind, testX: Float32Array, testTargets: Float32Array) {
    this.#device = device;
    const outputs = spec.outputs;
    this.rows = testTargets.length / outputs;
    const batch = Math.min(EVALUATION_BATCH, Math.ceil(this.rows / 8) * 8);
    this.batches = Math.ceil(this.rows / batch);
    this.layout = cnnLayout(spec, optimizer, batch, true);
    this.shader = cnnForwardShader(this.layout, this.batches);
    const padded = this.batches * batch;
    const U = GPUBufferUsage;
    const inputSize = testX.length / this.rows;
    this.#buffers = {
      uniform: createCountedBuffer(device, this.batches * UNIFORM_STRIDE, U.UNIFORM | U.COPY_DST),
      // New buffers are zeros, so the padding rows need no writing.
      x: createCountedBuffer(device, padded * inputSize * 4, U.STORAGE | U.COPY_DST),
      y: createCountedBuffer(device, padded * outputs * 4, U.STORAGE | U.COPY_DST),
      scratch: createCountedBuffer(device, this.shader.scratchWords * 4, U.STORAGE),
      results: createCountedBuffer(device, padded * (outputs + 1) * 4, U.STORAGE | U.COPY_SRC),
    };
    device.queue.writeBuffer(this.#buffers.x, 0, testX);
    device.queue.writeBuffer(this.#buffers.y, 0, testTargets);
    const first = new Uint32Array((this.batches * UNIFORM_STRIDE) / 4);
    for (let s = 0; s < this.batches; s++) first.set([s, 1], (s * UNIFORM_STRIDE) / 4);
    device.queue.writeBuffer(this.#buffers.uniform, 0, first);
    const storage = (type: GPUBufferBindingType) => ({ visibility: GPUShaderStage.COMPUTE, buffer: { type } });
    this.#bindGroupLayout = device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
        ...(['read-only-storage', 'read-only-storage', 'read-only-storage', 'storage', 'storage'] as const).map((t, i) => ({ binding: i + 1, ...storage(t) })),
      ],
    });
    this.#module = device.createShaderModule({ code: this.shader.code, label: 'CNN evaluation' });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.#bindGroupLayout] });
    this.#pipelines = Promise.all(
      this.shader.entries.map((e) => device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module: this.#module, entryPoint: e.entryPoint } })),
    );
    // A failed compile surfaces in ready() or in run().
    this.#pipelines.catch(() => {});
  }

  /** Resolves when the pipelines are compiled; rejects with the compiler's messages if the WGSL is invalid. */
  async ready(): Promise<void> {
    const info = await this.#module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) throw new Error(`The fused CNN evaluation did not compile: ${errors.map((m) => `line ${m.lineNum}: ${m.message}`).join('; ')}`);
    await this.#pipelines;
  }

  /** Evaluates the params `step` has after its queued steps, which are sent first. */
  async run(step: FusedStep): Promise<FusedEvaluationResult> {
    const pipelines = await this.#pipelines;
    // From here to the submit nothing awaits, so no step queued later comes before the pass.
    step.flush();
    const state = step.stateBuffer;
    if (this.#bindGroup?.state !== state) this.#bindGroup = { state, group: this.#createBindGroup(state) };
    const { rows, batches, layout } = this;
    const outputs = layout.dense.sizes[layout.dense.sizes.length - 1];
    const padded = batches * layout.batch;
    const encoder = this.#device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let s = 0; s < batches; s++) {
      pass.setBindGroup(0, this.#bindGroup.group, [s * UNIFORM_STRIDE]);
      this.shader.entries.forEach((e, i) => {
        pass.setPipeline(pipelines[i]);
        pass.dispatchWorkgroups(e.workgroups);
      });
    }
    pass.end();
    const staging = createCountedBuffer(this.#device, rows * (outputs + 1) * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    encoder.copyBufferToBuffer(this.#buffers.results, 0, staging, 0, rows * outputs * 4);
    encoder.copyBufferToBuffer(this.#buffers.results, padded * outputs * 4, staging, rows * outputs * 4, rows * 4);
    this.#device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ);
      const values = new Float32Array(staging.getMappedRange().slice(0));
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += values[rows * outputs + r];
      const mean = sum / (layout.dense.loss === 'softmaxCrossEntropy' ? rows : rows * outputs);
      return { testLoss: Math.fround(mean), outputs: values.subarray(0, rows * outputs) };
    } finally {
      destroyCountedBuffer(staging);
    }
  }

  dispose(): void {
    for (const b of Object.values(this.#buffers)) destroyCountedBuffer(b);
  }

  #createBindGroup(state: GPUBuffer): GPUBindGroup {
    const b = this.#buffers;
    const resources = [b.x, b.y, state, b.scratch, b.results];
    return this.#device.createBindGroup({
      layout: this.#bindGroupLayout,
      entries: [{ binding: 0, resource: { buffer: b.uniform, size: 8 } }, ...resources.map((buffer, i) => ({ binding: i + 1, resource: { buffer } }))],
    });
  }
}
