import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  plugins: [svelte()],
  // Relative asset URLs let the built app work from any path, e.g. a teacher's static host.
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  server: { port: 5173 },
  preview: { port: 4173 },
  optimizeDeps: {
    // Pre-bundle up front: discovering these mid-test would make Vite reload the page.
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'idb', 'uplot', 'valibot', 'fflate'],
  },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
