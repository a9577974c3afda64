// Ways to damage a checkpoint .zip on purpose, shared by the unit and e2e import tests.
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';

/** Unpacks a zip, lets `edit` change its entries, and packs it again. */
export function rezip(zip: Uint8Array, edit: (entries: Record<string, Uint8Array>) => void): Uint8Array {
  const entries = unzipSync(zip);
  edit(entries);
  return zipSync(entries);
}

/** Rewrites checkpoint.json inside the zip, keeping every other entry. */
export function editManifest(zip: Uint8Array, edit: (manifest: Record<string, any>) => void): Uint8Array {
  return rezip(zip, (entries) => {
    const manifest = JSON.parse(strFromU8(entries['checkpoint.json']));
    edit(manifest);
    entries['checkpoint.json'] = strToU8(JSON.stringify(manifest));
  });
}
