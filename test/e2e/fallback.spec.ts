import { chromium } from '@playwright/test';
import { CHROMIUM_FLAGS, findChromium } from '../../scripts/chromium.mjs';
import { test, expect, PlaygroundPage } from './fixtures.ts';

test('without WebGPU the page falls back and says why in a sentence', async ({ baseURL }) => {
  // Launched without --enable-unsafe-webgpu, so this Chromium has no WebGPU adapter.
  const browser = await chromium.launch({ executablePath: findChromium() ?? undefined, args: CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage({ baseURL });
    const playground = new PlaygroundPage(page);
    await playground.open();
    await expect(playground.backend).not.toHaveText('webgpu');
    const backend = await playground.backend.textContent();
    await expect(playground.backendReason).toHaveText(/^WebGPU is not available in this browser \(.+\); training on (WebGL|the CPU)\.$/);
    await expect(playground.backendReason).toContainText(backend === 'webgl' ? 'WebGL' : 'the CPU');
    await playground.stepButton.click();
    await expect(playground.stepReadout).toHaveText('1');
  } finally {
    await browser.close();
  }
});
