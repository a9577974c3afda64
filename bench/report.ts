// What `npm run bench` promises: the keys of bench/results.json, their goals, the check that
// every key holds a usable number, and the table printed at the end. Runs in Node.
import { writeFileSync } from 'node:fs';
import type { TrainBackendName, TrainModelName } from './train-bench.ts';

export const BENCH_MODELS = ['spiralMlp', 'digitsMlp', 'digitsCnn'] as const satisfies readonly TrainModelName[];
export const BENCH_BACKENDS = ['webgpu', 'cpu'] as const satisfies readonly TrainBackendName[];
export const CHECKPOINT_SIZES_MIB = [1, 16, 64] as const;
/** The Text demo's default transformer, timed on its own: it has no model.fit twin. */
export const TEXT_BENCH_MODEL = 'textGpt';

/** Flat figures, e.g. { 'train.spiralMlp.webgpu.ratio': 1.4 }; every one is a median of repeated runs. */
export type Figures = Record<string, number>;

export interface MachineInfo {
  userAgent: string;
  /** Vendor, architecture and description of the WebGPU adapter, or null without WebGPU. */
  webgpuAdapter: string | null;
  hardwareConcurrency: number;
  /** One tiny op and its readback on an idle backend, in ms; null for WebGPU without an adapter. */
  readbackMs: Record<TrainBackendName, number | null>;
  /** The CPU model as Node sees it. */
  cpuModel: string;
  date: string;
}

export interface BenchResults {
  machine: MachineInfo;
  figures: Figures;
  /** Raw runs and parameters behind the figures, for whoever wants to dig. */
  details: Record<string, unknown>;
}

/** The keys results.json must hold; anything else is extra information. */
export function requiredKeys(): string[] {
  const train = BENCH_MODELS.flatMap((model) =>
    BENCH_BACKENDS.flatMap((backend) => ['ourStepsPerSec', 'fitStepsPerSec', 'ratio', 'readbackShare'].map((f) => `train.${model}.${backend}.${f}`)),
  );
  // Characters trained per second on each backend, and the GPU's dispatches per step.
  const text = [
    ...BENCH_BACKENDS.map((backend) => `train.${TEXT_BENCH_MODEL}.${backend}.tokensPerSec`),
    `train.${TEXT_BENCH_MODEL}.webgpu.dispatchesPerStep`,
    `train.${TEXT_BENCH_MODEL}.webgpu.tfjsOpsTokensPerSec`,
    `train.${TEXT_BENCH_MODEL}.webgpu.tfjsOpsDispatchesPerStep`,
  ];
  const checkpointFields = ['saveMBps', 'rawPutMBps', 'tfjsSaveMBps', 'loadMBps', 'rawGetMBps', 'tfjsLoadMBps', 'saveVsTfjsSave', 'saveVsRawPut', 'loadVsTfjsLoad'];
  const checkpoint = CHECKPOINT_SIZES_MIB.flatMap((size) => checkpointFields.map((f) => `checkpoint.${size}.${f}`));
  const ui = ['ui.maxFrameGapMs', 'ui.saveStallSteps', ...BENCH_BACKENDS.flatMap((b) => [`ui.saveLatencyMs.${b}`, `ui.saveLatencyRounds.${b}`]), 'ui.autosaveShare'];
  return [...train, ...text, ...checkpoint, ...ui, 'startup.msToFirstStep', 'startup.jsGzipKB'];
}

/** Figures that may be zero: losing no steps to a save is the ideal; a readback may round to 0 ms. */
const MAY_BE_ZERO = new Set(['ui.saveStallSteps']);
const mayBeZero = (key: string) => MAY_BE_ZERO.has(key) || key.endsWith('.readbackShare');

/**
 * When a readback takes at least half of fit's whole step, it costs at least as much as the
 * step's own work: readbacks dominate, and skipping them must show (ratio ≥ 1.3).
 */
export const READBACK_DOMINATES_SHARE = 0.5;

/** One readback round trip as a share of one model.fit step (readback included). */
export function readbackShare(readbackMs: number, fitStepsPerSec: number): number {
  return readbackMs / (1000 / fitStepsPerSec);
}

interface Goal {
  text: string;
  met: (value: number) => boolean;
}
const atLeast = (min: number): Goal => ({ text: `≥ ${min.toFixed(1)}`, met: (v) => v >= min });
const atMost = (max: number): Goal => ({ text: `≤ ${max < 1 ? max : max.toFixed(1)}`, met: (v) => v <= max });
const below = (max: number): Goal => ({ text: `< ${max}`, met: (v) => v < max });

/** The first matching pattern wins. Training ratios are decided in goalFor. */
const GOALS: [RegExp, Goal][] = [
  // Fused WGSL kernels (src/lib/models/mlp-kernels/, cnn-kernels/) against model.fit on WebGPU and our CPU path.
  [/^train\.spiralMlp\.webgpu\.fusedVsFit$/, atLeast(300)],
  [/^train\.digitsMlp\.webgpu\.fusedVsFit$/, atLeast(10)],
  [/^train\.spiralMlp\.webgpu\.fusedVsCpu$/, atLeast(10)],
  [/^train\.digitsMlp\.webgpu\.fusedVsCpu$/, atLeast(4)],
  [/^train\.digitsCnn\.webgpu\.fusedVsFit$/, atLeast(3)],
  [/^train\.digitsCnn\.webgpu\.fusedVsCpu$/, atLeast(1)],
  // The Text demo's transformer (src/lib/text/model/gpt-kernels/): tokens per second against tfjs's ops on WebGPU, and ahead of the CPU.
  [/^train\.textGpt\.webgpu\.fusedVsTfjsOps$/, atLeast(3)],
  [/^train\.textGpt\.webgpu\.fusedVsCpu$/, atLeast(1)],
  [/^checkpoint\.\d+\.saveVsTfjsSave$/, atLeast(1.0)],
  [/^checkpoint\.\d+\.saveVsRawPut$/, atLeast(0.5)],
  [/^checkpoint\.\d+\.loadVsTfjsLoad$/, atLeast(1.0)],
  [/^checkpoint\.\d+\.hashShare$/, atMost(0.1)],
  [/^ui\.maxFrameGapMs$/, below(50)],
  [/^ui\.saveStallSteps$/, atMost(1)],
  [/^ui\.saveLatencyRounds\.\w+$/, atMost(2)],
  [/^ui\.autosaveShare$/, atMost(0.02)],
  [/^startup\.firstStepVsTfjsOps$/, atMost(1)],
];

/**
 * The goal of one figure. A training ratio's goal depends on its model and backend on this
 * machine: ≥ 1.3 where readbacks dominate (on a real GPU a small MLP's step is far shorter
 * than a GPU → CPU round trip), ≥ 1.0 elsewhere. Without its readbackShare, the strict one.
 */
export function goalFor(key: string, figures: Figures = {}): Goal | null {
  const train = /^(train\.\w+\.\w+)\.ratio$/.exec(key);
  if (train) {
    const share = figures[`${train[1]}.readbackShare`];
    return share === undefined || share >= READBACK_DOMINATES_SHARE
      ? { ...atLeast(1.3), text: '≥ 1.3 (readback-bound)' }
      : atLeast(1.0);
  }
  return GOALS.find(([pattern]) => pattern.test(key))?.[1] ?? null;
}

/** Every problem that makes the results unusable, as sentences; empty when they are fine. */
export function findProblems(results: BenchResults): string[] {
  const problems: string[] = [];
  for (const key of requiredKeys()) {
    const value = results.figures[key];
    if (value === undefined) problems.push(`${key} is missing.`);
    else if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${key} is ${String(value)}, not a finite number.`);
    else if (value < 0 || (value === 0 && !mayBeZero(key))) problems.push(`${key} is ${value}, but it must be positive.`);
  }
  if (!results.machine?.userAgent) problems.push('The machine description has no userAgent.');
  return problems;
}

/** results.json: the machine, then every figure as a flat key, then the details. */
export function writeResults(path: string, results: BenchResults): void {
  const json = { machine: results.machine, ...sortedFigures(results.figures), details: results.details };
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
}

/** A plain-text table: key, value, goal, met? (yes / NO / blank for figures without a goal). */
export function formatTable(results: BenchResults): string {
  const rows = Object.entries(sortedFigures(results.figures)).map(([key, value]) => {
    const goal = goalFor(key, results.figures);
    return [key, formatNumber(value), goal?.text ?? '', goal ? (goal.met(value) ? 'yes' : 'NO') : ''];
  });
  const header = ['key', 'value', 'goal', 'met?'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const { machine } = results;
  return [
    `${machine.date} · ${machine.cpuModel} × ${machine.hardwareConcurrency} · WebGPU: ${machine.webgpuAdapter ?? 'none'}` +
      (machine.readbackMs.webgpu === null ? '' : `, readback ${machine.readbackMs.webgpu.toFixed(1)} ms`),
    machine.userAgent,
    'Checkpoint rates are MiB/s; ratios are taken within this run.',
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}

/** Required keys in their documented order; an extra key follows the last required key of its group (`checkpoint.16`, `ui`). */
function sortedFigures(figures: Figures): Figures {
  const required = requiredKeys();
  const group = (key: string) => key.split('.').slice(0, -1).join('.');
  const rank = (key: string) => {
    if (required.includes(key)) return required.indexOf(key);
    const ofGroup = required.filter((k) => group(k) === group(key));
    return (ofGroup.length === 0 ? required.length : required.indexOf(ofGroup[ofGroup.length - 1])) + 0.5;
  };
  const keys = Object.keys(figures).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return Object.fromEntries(keys.map((k) => [k, figures[k]]));
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return value.toFixed(magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2);
}
