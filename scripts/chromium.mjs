#!/usr/bin/env node
// Finds the Chromium that tests and benchmarks drive, and installs one when none is found.
// Order: $CHROMIUM_PATH, Playwright's own download, /usr/bin/chromium.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { chromium } from '@playwright/test';

/**
 * --no-sandbox because CI runs as root; the rest stop Chromium from phoning home, which
 * floods a closed network with refused connections and slows every launch.
 */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-features=Translate,OptimizationHints,MediaRouter',
];

/** WebGPU is behind this flag on Linux; with it headless Chromium gets a SwiftShader adapter. */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu'];

export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, safePlaywrightPath(), '/usr/bin/chromium'];
  return candidates.find((path) => path && existsSync(path)) ?? null;
}

function safePlaywrightPath() {
  try {
    return chromium.executablePath();
  } catch {
    return undefined;
  }
}

function install() {
  const isRoot = process.getuid?.() === 0;
  const isDebian = existsSync('/etc/debian_version');
  if (isRoot && isDebian) {
    console.log('No Chromium found; installing Debian\'s chromium package (apt-get install -y chromium).');
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', { stdio: 'inherit' });
  } else {
    console.log('No Chromium found; running `npx playwright install chromium`.');
    execSync('npx playwright install chromium', { stdio: 'inherit' });
  }
}

export function ensureChromium() {
  let path = findChromium();
  if (path) return path;
  try {
    install();
  } catch {
    // Fall through to the one-line hint below.
  }
  path = findChromium();
  if (!path) {
    console.error('No Chromium found and none could be installed: set CHROMIUM_PATH to a Chromium or Chrome binary, or run `sudo apt-get install -y chromium`.');
    process.exit(1);
  }
  return path;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(`Using Chromium at ${ensureChromium()}`);
}
