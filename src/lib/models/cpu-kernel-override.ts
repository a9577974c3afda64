import * as tf from '@tensorflow/tfjs';

/**
 * Replaces one of tfjs-backend-cpu's kernels with a faster one that must give bit-identical
 * results, and checks that it does. The stock kernel is looked up when this is called (at
 * module load), before any replacement, so the check always compares against tfjs's own.
 */
export interface CpuKernelOverride {
  /** tfjs's kernel, or undefined if the CPU backend has none by that name. */
  readonly stock: tf.KernelConfig | undefined;
  /** Makes the CPU backend run the fast kernel; once, and only if there is a stock one. */
  use(): void;
  /** Runs both kernels on `args`; throws `problem` unless every output value is identical (Object.is). */
  expectSame(args: Parameters<tf.KernelFunc>[0], problem: string): void;
}

/** The parts of tfjs-backend-cpu's backend the fast kernels use. */
export interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

export function cpuKernelOverride(kernelName: string, fast: tf.KernelFunc): CpuKernelOverride {
  const stock = tf.getKernel(kernelName, 'cpu');
  let used = false;
  return {
    stock,
    use() {
      if (used || !stock) return;
      used = true;
      // Unregister first: registering over a kernel works too, but logs a warning.
      tf.unregisterKernel(kernelName, 'cpu');
      tf.registerKernel({ kernelName, backendName: 'cpu', kernelFunc: fast });
    },
    expectSame(args, problem) {
      if (!stock) throw new Error(`The CPU backend has no ${kernelName} kernel to compare against; is @tensorflow/tfjs loaded?`);
      const cpu = args.backend as unknown as CpuBackend;
      const read = (info: tf.TensorInfo) => {
        const values = cpu.data.get(info.dataId).values.slice();
        cpu.disposeData(info.dataId);
        return values;
      };
      const expected = read(stock.kernelFunc(args) as tf.TensorInfo);
      const actual = read(fast(args) as tf.TensorInfo);
      if (expected.length !== actual.length || expected.some((value, i) => !Object.is(value, actual[i]))) throw new Error(problem);
    },
  };
}
