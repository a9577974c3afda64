import { maxChunkFor, type FusedKernel } from '../mlp-kernels/fused-step.ts';
import { cnnPacking, type CnnLayout } from './cnn-layout.ts';
import { cnnStepShader } from './cnn-step-wgsl.ts';

/** The fused CNN step as FusedStep runs it: a dispatch per phase, many steps per submit. */
export function cnnKernel(layout: CnnLayout): FusedKernel {
  const maxChunk = maxChunkFor(layout.dense);
  return { name: 'CNN', dense: layout.dense, packing: cnnPacking(layout), shader: cnnStepShader(layout, maxChunk), mode: 'phases', maxChunk };
}
