import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeMnist, MNIST_ASSET_PATH } from '../../src/lib/datasets/mnist.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the digits asset build step', () => {
  it('produces the asset in a clean checkout that has only its dependencies installed', () => {
    // A clean clone after `npm ci`: the script and node_modules, and no public/data at all.
    const clone = mkdtempSync(join(tmpdir(), 'playground-clone-'));
    try {
      mkdirSync(join(clone, 'scripts'));
      copyFileSync(join(root, 'scripts/build-mnist.mjs'), join(clone, 'scripts/build-mnist.mjs'));
      symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
      const asset = join(clone, 'public', MNIST_ASSET_PATH);
      expect(existsSync(asset)).toBe(false);

      const first = execFileSync(process.execPath, ['scripts/build-mnist.mjs'], { cwd: clone, encoding: 'utf8' });
      expect(first).toMatch(/^Wrote public\/data\/mnist\.bin: 10000 digits/);
      const images = decodeMnist(new Uint8Array(readFileSync(asset)));
      expect(images.count).toBe(10_000);

      const second = execFileSync(process.execPath, ['scripts/build-mnist.mjs'], { cwd: clone, encoding: 'utf8' });
      expect(second).toMatch(/up to date/);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('runs before `npm run dev`, `npm run build` and the unit tests', () => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['build:data']).toContain('node scripts/build-mnist.mjs');
    expect(scripts.predev).toContain('npm run build:data');
    expect(scripts.prebuild).toContain('npm run build:data');
    expect(scripts['test:unit']).toMatch(/^npm run build:data && /);
    // npm test builds the app (and so the asset) before the browser tests.
    expect(scripts['test:browser']).toMatch(/npm run build(?!:)/);
  });
});
