import { expect, type PlaygroundPage } from './fixtures.ts';

/** A transformer small enough for a software GPU: 1 block, 4 heads, width 16, 16 characters of context. */
export async function pickTinyText(playground: PlaygroundPage, text?: string) {
  // One change at a time: each starts a new run, and Train waits until it is set up.
  await playground.choose('Demo', 'Text');
  await expect(playground.trainButton).toBeEnabled({ timeout: 90_000 });
  for (const [label, value] of [['Layers', '1'], ['Width', '16'], ['Context', '16'], ['Warm-up steps', '5']]) {
    await playground.setField(label, value);
    await expect(playground.trainButton).toBeEnabled({ timeout: 90_000 });
  }
  if (text) await playground.choose('Text', text);
}
