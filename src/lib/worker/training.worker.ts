/// <reference lib="webworker" />
// The dedicated worker that trains. All tfjs work happens here, so the page stays smooth.
import { TrainingSession } from './session.ts';
import type { PostedCommand, WorkerEvent } from './protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const session = new TrainingSession((event: WorkerEvent, transfer: Transferable[] = []) => scope.postMessage(event, transfer));
scope.onmessage = (message: MessageEvent<PostedCommand>) => session.handle(message.data);
