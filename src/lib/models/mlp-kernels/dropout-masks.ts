/**
 * tf.dropout's masks, reproduced on the CPU so a fused kernel can use exactly the masks the
 * tfjs ops path draws. tf.dropout(x, rate, undefined, seed) computes
 * floor(randomUniform(shape, 0, 1, 'float32', seed) + keep) / keep with keep = 1 - rate, and
 * randomUniform draws from seedrandom's Alea seeded with String(seed), on the CPU, in order.
 */

/**
 * Alea by Johannes Baagøe (2010, MIT licence), as seedrandom 3 ships it (lib/alea.js), which
 * is what tfjs's randomUniform uses. Returns doubles in [0, 1).
 */
export function alea(seed: string): () => number {
  let n = 0xefc8249d;
  const mash = (data: string) => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * 2.3283064365386963e-10;
  };
  let c = 1;
  let s0 = mash(' ');
  let s1 = mash(' ');
  let s2 = mash(' ');
  s0 -= mash(seed);
  if (s0 < 0) s0 += 1;
  s1 -= mash(seed);
  if (s1 < 0) s1 += 1;
  s2 -= mash(seed);
  if (s2 < 0) s2 += 1;
  return () => {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10;
    s0 = s1;
    s1 = s2;
    return (s2 = t - (c = t | 0));
  };
}

/**
 * Writes the multipliers (0 or 1/keep, float32) of one tf.dropout call with this seed into
 * `out`, in row-major order. The sums and the division round to float32 as tfjs's do.
 */
export function fillDropoutMask(out: Float32Array, rate: number, seed: number): void {
  const next = alea(String(seed));
  const keep = Math.fround(1 - rate);
  const scale = Math.fround(1 / keep);
  for (let i = 0; i < out.length; i++) {
    const u = Math.fround(next());
    out[i] = Math.floor(Math.fround(u + keep)) === 0 ? 0 : scale;
  }
}
