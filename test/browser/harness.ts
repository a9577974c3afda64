// Loaded by harness.html on Vite's dev server. Tests call `await page.waitForFunction(() => window.lib)`
// and then drive the real modules inside page.evaluate, against the browser's real IndexedDB.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import * as checkpoint from '../../src/lib/checkpoint/index.ts';
import * as engine from '../../src/lib/engine/index.ts';

const lib = { tf, checkpoint, engine };
declare global {
  interface Window {
    lib: typeof lib;
  }
}
window.lib = lib;
