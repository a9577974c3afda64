// Loaded by harness.html on Vite's dev server. Tests call `await page.waitForFunction(() => window.lib)`
// and then drive the real modules inside page.evaluate, against the browser's real IndexedDB.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import * as checkpoint from '../../src/lib/checkpoint/index.ts';
import * as engine from '../../src/lib/engine/index.ts';
import * as checkpointTesting from './support/checkpoint-helpers.ts';
import * as checkpointBench from '../../bench/checkpoint-bench.ts';
import * as trainBench from '../../bench/train-bench.ts';
import * as textBench from '../../bench/text-bench.ts';
import * as saveStallBench from '../../bench/save-stall-bench.ts';
import * as snapshotBench from '../../bench/snapshot-bench.ts';
import * as convLayerCheck from '../support/conv-layer-check.ts';
import * as sessionChecks from '../support/session-checks.ts';
import * as autosaveBench from '../../bench/autosave-bench.ts';
import * as checkpointScenarios from '../support/checkpoint-scenarios.ts';
import * as tabScenarios from '../support/tab-scenarios.ts';
import * as mlpKernelChecks from '../support/mlp-kernel-checks.ts';
import * as cnnKernelChecks from '../support/cnn-kernel-checks.ts';
import * as gptKernelChecks from '../support/gpt-kernel-checks.ts';

const lib = { sessionChecks, autosaveBench, tf, checkpoint, engine, checkpointTesting, checkpointScenarios, tabScenarios, checkpointBench, trainBench, textBench, saveStallBench, snapshotBench, convLayerCheck, mlpKernelChecks, cnnKernelChecks, gptKernelChecks };
declare global {
  interface Window {
    lib: typeof lib;
  }
}
window.lib = lib;
