import { defineConfig, type Plugin } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * Only this origin may serve scripts, workers, data and connections. 'unsafe-inline' for
 * styles covers Svelte's style: directives and uPlot's inline positioning; no script is inline.
 * No 'wasm-unsafe-eval': the checkpoint checksum (hash-wasm) compiles WebAssembly only in the
 * training worker, which this page's <meta> policy does not reach (see checkpoint/FORMAT.md).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/** Adds the CSP to the built page. The dev server is left alone: its HMR client is not ours to vet. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  plugins: [
    svelte(),
    contentSecurityPolicy(),
    // After the first visit the whole app, tfjs and the digits work offline from the precache.
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script',
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,bin,txt,webmanifest}'],
        // The training worker bundles tfjs (~2 MB) and the digits asset is ~7.7 MB.
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
        navigateFallback: 'index.html',
        // Take control of the first page at once, so it works offline without a second visit.
        clientsClaim: true,
        skipWaiting: true,
      },
      manifest: {
        name: 'WebGPU Training Playground',
        short_name: 'Playground',
        description: 'Train neural networks in your browser on WebGPU and resume where you left off.',
        theme_color: '#1a73e8',
        background_color: '#f6f7f9',
        display: 'standalone',
        icons: [{ src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml' }],
      },
    }),
  ],
  // Relative asset URLs let the built app work from any path, e.g. a teacher's static host.
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  server: { port: 5173 },
  preview: { port: 4173 },
  optimizeDeps: {
    // Pre-bundle up front: discovering these mid-test would make Vite reload the page.
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'idb', 'uplot', 'valibot', 'fflate', 'hash-wasm', 'papaparse'],
  },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
