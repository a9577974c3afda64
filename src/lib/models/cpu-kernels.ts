import { useFastConvFilterGradient } from './cpu-conv-filter-grad.ts';
import { useFastMaxPoolGrad } from './cpu-max-pool-grad.ts';

/**
 * Makes tfjs's CPU backend run two bit-identical, several times faster kernels (the conv
 * filter gradient and the max-pool gradient; see their files). The change is global: model.fit
 * in the same page gets them too, so benchmarks compare like with like. Call it where the
 * backend is set up; importing a module never installs them. Calling it again does nothing.
 */
export function installFastCpuKernels(): void {
  useFastConvFilterGradient();
  useFastMaxPoolGrad();
}
