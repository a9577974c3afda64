// A Chromium that the test starts itself, in its own process group, so that the test can
// kill the whole browser (browser, renderer, GPU and storage processes) with one SIGKILL:
// the closest a test gets to a crash or a power cut.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { chromium, type Browser } from '@playwright/test';
import { CHROMIUM_FLAGS, WEBGPU_FLAGS, findChromium } from '../../../scripts/chromium.mjs';

export interface KillableChromium {
  browser: Browser;
  pid: number;
  /** SIGKILL to the process group; resolves once the browser process has exited. */
  kill(): Promise<void>;
}

/** A TCP port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function launchKillableChromium(userDataDir: string): Promise<KillableChromium> {
  const executable = findChromium();
  if (!executable) throw new Error('No Chromium found: set CHROMIUM_PATH or run `node scripts/chromium.mjs` to install one.');
  const port = await freePort();
  const child = spawn(
    executable,
    [...CHROMIUM_FLAGS, ...WEBGPU_FLAGS, '--headless=new', `--user-data-dir=${userDataDir}`, `--remote-debugging-port=${port}`, 'about:blank'],
    // detached: a new process group whose id is the child's pid, so -pid reaches every process.
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const endpoint = await devToolsEndpoint(child);
    const browser = await chromium.connectOverCDP(endpoint);
    return {
      browser,
      pid: child.pid!,
      async kill() {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // The group is already gone.
        }
        await exited;
      },
    };
  } catch (error) {
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    throw error;
  }
}

/** Chromium prints "DevTools listening on ws://..." on stderr once the port is open. */
function devToolsEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match) {
        child.stderr!.off('data', onData);
        // Keep draining stderr so a chatty browser never blocks on a full pipe.
        child.stderr!.resume();
        resolve(match[1]);
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`Chromium exited (code ${code}, signal ${signal}) before DevTools was ready:\n${output}`)));
  });
}
