// In-page checks of the worker's TrainingSession, run on the harness page (the session is
// plain TypeScript; the worker only forwards messages to it) against the browser's real
// IndexedDB and Web Locks. test/browser/session.spec.ts calls them.
import { TrainingSession } from '../../src/lib/worker/session.ts';
import type { WorkerCommand, WorkerEvent } from '../../src/lib/worker/protocol.ts';
import { defaultConfig, type TrainConfig } from '../../src/lib/engine/config.ts';
import type { BackendName } from '../../src/lib/engine/backend-names.ts';
import { CheckpointStore, openCheckpointStore } from '../../src/lib/checkpoint/index.ts';

type EventOf<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;

/** How long a check waits for an event that the behaviour under test should produce. */
const EVENT_TIMEOUT_MS = 20_000;

/** A TrainingSession as the worker runs it, with every event it posts recorded. */
class SessionDriver {
  readonly events: WorkerEvent[] = [];
  readonly session: TrainingSession;
  #waiters: { test: (event: WorkerEvent) => boolean; resolve: (event: WorkerEvent) => void }[] = [];

  constructor() {
    this.session = new TrainingSession((event) => {
      this.events.push(event);
      const matched = this.#waiters.filter((w) => w.test(event));
      this.#waiters = this.#waiters.filter((w) => !matched.includes(w));
      matched.forEach((w) => w.resolve(event));
    });
  }

  send(command: WorkerCommand): void {
    this.session.handle(command);
  }

  /** The next event of this type (and passing `test`) posted from now on. */
  next<T extends WorkerEvent['type']>(type: T, test: (event: EventOf<T>) => boolean = () => true): Promise<EventOf<T>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`No "${type}" event came within ${EVENT_TIMEOUT_MS / 1000} s.`)), EVENT_TIMEOUT_MS);
      this.#waiters.push({
        test: (event) => event.type === type && test(event as EventOf<T>),
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event as EventOf<T>);
        },
      });
    });
  }

  /** Initialises on `backend` and opens a fresh run of `config`; resolves with its id. */
  async open(backend: BackendName, config: TrainConfig = defaultConfig('classify2d')): Promise<string> {
    this.send({ type: 'init', requestedBackend: backend, mnistUrl: '/data/mnist.bin' });
    return this.openRun({ type: 'configure', config });
  }

  /** Sends a command that puts a run on screen; resolves with its id once the page has its lists too. */
  async openRun(command: WorkerCommand): Promise<string> {
    const run = this.next('run');
    this.send(command);
    const { runId } = await run;
    // Announcing a run ends with a refresh of the lists: wait for it, so no check races it.
    await this.next('lists');
    return runId;
  }

  /** One Step click, resolved when its loss is back. */
  async step(): Promise<number> {
    const progress = this.next('progress');
    this.send({ type: 'step' });
    return (await progress).step;
  }

  /** Events after the `since`-th, by type, for the test's report. */
  typesSince(since: number): string[] {
    return this.events.slice(since).map((e) => e.type);
  }
}

/** For a promise raced against another: its time-out, once the other won, is nobody's error. */
function quietLoser<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** Names of the Web Locks this origin holds right now. */
async function heldLocks(): Promise<string[]> {
  const { held = [] } = await navigator.locks.query();
  return held.map((lock) => lock.name ?? '');
}

/**
 * Issue 12 (1): Resume loads a checkpoint whose stored config no longer matches its tensors,
 * so rebuilding the trainer throws. The run lock taken for it must be released, the error
 * must say what failed, and the run on screen must keep training.
 */
export async function resumeThatCannotRebuild() {
  const driver = new SessionDriver();
  const config = defaultConfig('classify2d');
  const broken = await driver.open('cpu', config);
  for (let i = 0; i < 3; i++) await driver.step();
  const saved = driver.next('saved');
  driver.send({ type: 'save', reason: 'manual' });
  await saved;

  // A newer checkpoint of that run whose config says one hidden layer of 8, but whose
  // tensors are those of the 16-16 network: it loads (its bytes are intact), it cannot rebuild.
  const store = await openCheckpointStore();
  const good = await store.loadLatest(broken);
  if (!good) throw new Error('The saved checkpoint did not load.');
  await store.save({
    runId: broken,
    runName: good.manifest.runName,
    step: good.manifest.step + 1,
    loss: 1,
    config: { ...config, hidden: [8] },
    metrics: {},
    state: good.manifest.state,
    tensors: good.tensors,
  });
  store.close();

  const current = await driver.openRun({ type: 'configure', config: { ...config, seed: 2 } });

  const since = driver.events.length;
  const error = driver.next('error');
  const notice = driver.next('notice', (e) => /unchanged/.test(e.message));
  driver.send({ type: 'resume', runId: broken });
  const errorMessage = (await error).message;
  const locks = await heldLocks();
  const noticeMessage = await notice.then((e) => e.message, () => null);
  const stepAfter = await driver.step();
  return { broken, current, errorMessage, noticeMessage, locks, stepAfter, events: driver.typesSince(since) };
}

/**
 * Issue 12 (2): the commit succeeds but refreshing the checkpoint lists right after it
 * throws. The page must hear `saved`, then an error about the lists, and never `saveFailed`.
 */
export async function listRefreshFailsAfterCommit() {
  const driver = new SessionDriver();
  await driver.open('cpu');
  await driver.step();
  await driver.step();
  const listRuns = CheckpointStore.prototype.listRuns;
  // Fault injection at the store's surface: the next list read fails, as it does when the
  // browser closes the connection between the commit and the refresh.
  CheckpointStore.prototype.listRuns = function () {
    CheckpointStore.prototype.listRuns = listRuns;
    return Promise.reject(new DOMException('The database connection is closing.', 'InvalidStateError'));
  };
  const since = driver.events.length;
  const outcome = Promise.race([quietLoser(driver.next('error')), quietLoser(driver.next('saveFailed'))]);
  driver.send({ type: 'save', reason: 'manual' });
  const settled = await outcome;
  CheckpointStore.prototype.listRuns = listRuns;
  return { outcome: settled, events: driver.typesSince(since) };
}

/** Makes the store's next save fail as a full disk does; resolves once that failure was reported. */
function failNextSave(driver: SessionDriver): Promise<EventOf<'saveFailed'>> {
  const save = CheckpointStore.prototype.save;
  CheckpointStore.prototype.save = function () {
    CheckpointStore.prototype.save = save;
    return Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
  };
  return driver.next('saveFailed');
}

/**
 * Issue 12 (3): a save fails (a full disk). Its step must stay unsaved: the next save at the
 * same step (the tab going hidden) writes it, and Export either saves what is on screen or
 * says which older step it exports and why.
 */
export async function failedSaveIsRetried() {
  const driver = new SessionDriver();
  const runId = await driver.open('cpu');
  for (let i = 0; i < 3; i++) await driver.step();

  const failed = failNextSave(driver);
  driver.send({ type: 'save', reason: 'hidden' });
  await failed;
  const retried = driver.next('saved');
  driver.send({ type: 'save', reason: 'hidden' });
  const retriedStep = (await retried).checkpoint.step;

  await driver.step();
  const exportFailed = failNextSave(driver);
  const olderExport = driver.next('exported');
  const exportNotice = driver.next('notice', (e) => e.message.startsWith('Exported step'));
  driver.send({ type: 'export' });
  await exportFailed;
  const older = { fileName: (await olderExport).fileName, notice: (await exportNotice).message };
  const currentExport = driver.next('exported');
  driver.send({ type: 'export' });
  const current = (await currentExport).fileName;
  const store = await openCheckpointStore();
  const steps = (await store.list(runId)).map((c) => c.step);
  store.close();
  return { retriedStep, older, current, steps };
}

/**
 * Issue 12 (4): Pause and Save arrive together while a round of steps is still reading its
 * losses back. Every checkpoint must be taken where the step counter and the loss history
 * agree. WebGPU's readback yields to the event loop mid-round, which is where it went wrong.
 */
export async function saveRightAfterPause(backend: BackendName, rounds: number) {
  const driver = new SessionDriver();
  const runId = await driver.open(backend);
  driver.send({ type: 'setAutosave', seconds: 0 });
  const errors: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const startStep = driver.events.filter((e) => e.type === 'progress').at(-1)?.step ?? 0;
    const trained = driver.next('progress', (e) => e.step >= startStep + 3);
    driver.send({ type: 'train' });
    await trained;
    // Messages reach the worker as tasks, between whatever it awaits; land these at a
    // different moment of a round each time, as clicks do.
    await new Promise((resolve) => setTimeout(resolve, (round * 7) % 30));
    const saved = driver.next('saved', (e) => e.reason === 'manual');
    const failed = driver.next('error');
    driver.send({ type: 'pause' });
    driver.send({ type: 'save', reason: 'manual' });
    const outcome = await Promise.race([saved, quietLoser(failed)]);
    if (outcome.type === 'error') {
      errors.push(outcome.message);
      break;
    }
    await driver.next('lists');
  }
  const store = await openCheckpointStore();
  const checkpoints = await store.list(runId);
  const mismatches: { step: number; historyLength: number }[] = [];
  for (const summary of checkpoints) {
    const loaded = await store.load(summary.id);
    const history = loaded.tensors.find((t) => t.name === 'history/loss');
    const historyLength = history?.shape[0] ?? -1;
    if (historyLength !== loaded.manifest.step) mismatches.push({ step: loaded.manifest.step, historyLength });
  }
  store.close();
  return { checked: checkpoints.length, mismatches, errors };
}
