// A page with the checkpoint store and nothing else: no tfjs, no engine. The hard-kill test
// loads it after every one of its restarts, so it must load fast, and it must not reload
// when someone edits engine files on the dev server mid-run.
import * as checkpoint from '../../../src/lib/checkpoint/index.ts';
import * as checkpointTesting from './checkpoint-helpers.ts';
import * as checkpointScenarios from '../../support/checkpoint-scenarios.ts';

const checkpointLib = { checkpoint, checkpointTesting, checkpointScenarios };
declare global {
  interface Window {
    checkpointLib: typeof checkpointLib;
  }
}
window.checkpointLib = checkpointLib;
