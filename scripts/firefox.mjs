#!/usr/bin/env node
// Finds the Firefox that the Firefox suite drives (test/firefox/), and installs one when none
// is found. Order: $FIREFOX_PATH, /usr/bin/firefox-esr. Only Firefox ESR from Debian is
// installed: Playwright's Firefox build cannot be downloaded here, and puppeteer-core drives
// a stock Firefox over WebDriver BiDi. mesa-vulkan-drivers gives it a WebGPU adapter
// (lavapipe, Vulkan on the CPU) on a machine without a GPU.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/**
 * WebGPU is behind these prefs in Firefox ESR on Linux; with them it takes lavapipe, which
 * its blocklist would otherwise refuse.
 */
export const WEBGPU_PREFS = { 'dom.webgpu.enabled': true, 'gfx.webgpu.ignore-blocklist': true };

export function findFirefox() {
  const candidates = [process.env.FIREFOX_PATH, '/usr/bin/firefox-esr'];
  return candidates.find((path) => path && existsSync(path)) ?? null;
}

export function ensureFirefox() {
  let path = findFirefox();
  if (path) return path;
  const isRoot = process.getuid?.() === 0;
  const isDebian = existsSync('/etc/debian_version');
  if (isRoot && isDebian) {
    console.log("No Firefox found; installing Debian's firefox-esr and mesa-vulkan-drivers (apt-get install -y firefox-esr mesa-vulkan-drivers).");
    try {
      execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr mesa-vulkan-drivers', { stdio: 'inherit' });
    } catch {
      // Fall through to the one-line hint below.
    }
    path = findFirefox();
  }
  if (!path) {
    console.error('No Firefox found and none could be installed: set FIREFOX_PATH to a Firefox binary, or run `sudo apt-get install -y firefox-esr mesa-vulkan-drivers`.');
    process.exit(1);
  }
  return path;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(`Using Firefox at ${ensureFirefox()}`);
}
