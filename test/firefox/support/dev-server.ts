// Vitest global setup for the Firefox suite: one Vite dev server for every test file, on a
// port the OS picks, serving test/browser/harness.html (src/lib modules as window.lib).
import { createServer } from 'vite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Origin of the dev server, e.g. http://127.0.0.1:40123. */
    devServerUrl: string;
  }
}

export default async function startDevServer(project: TestProject): Promise<() => Promise<void>> {
  const server = await createServer({
    // 127.0.0.1 is a secure context, which WebGPU and the Web Locks API need.
    server: { host: '127.0.0.1', port: 0, strictPort: true, hmr: false, watch: null },
    logLevel: 'warn',
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('The Vite dev server did not report the TCP port it listens on.');
  project.provide('devServerUrl', `http://127.0.0.1:${address.port}`);
  return () => server.close();
}
