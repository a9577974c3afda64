import * as tf from '@tensorflow/tfjs';
import { deviceLost } from '../engine/backend.ts';

/**
 * Whether this worker's WebGPU device is gone. Once lost it stays lost: the state on the
 * device cannot be trusted, so nothing trains or saves here again, and the page starts a
 * fresh worker on the fallback backend that resumes from the last checkpoint.
 */
export class DeviceWatch {
  #lost = false;

  get lost(): boolean {
    return this.#lost;
  }

  /** Starts watching the current backend's device; `onLost` hears the browser's reason once. */
  watch(onLost: (message: string) => void): void {
    void deviceLost().then((message) => {
      this.#lost = true;
      onLost(message);
    });
  }

  /** What the page shows when the device was lost at `step`. */
  static lostMessage(message: string, step: number): string {
    return (
      `The GPU device was lost (${message}), so training stopped at step ${step}. ` +
      'Resume from the last checkpoint on the fallback backend to continue; saved checkpoints are intact.'
    );
  }

  /** Destroys the WebGPU device, as a driver reset would; lets tests exercise device loss. */
  static simulateLoss(): void {
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    if (tf.getBackend() === 'webgpu' && device) device.destroy();
  }
}
