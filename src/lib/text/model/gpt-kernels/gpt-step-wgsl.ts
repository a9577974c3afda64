// One GPT training step as a list of dispatches, generated from the layout: the forward pass
// (embeddings; per block LayerNorm, c_attn, attention, c_proj plus residual, LayerNorm, c_fc
// with GELU, c_proj plus residual; ln_f; the tied head; cross-entropy), the backward pass in
// reverse, the global gradient norm and AdamW. 2 layers run as 55 dispatches where
// TensorFlow.js ops ran ~825. Each dispatch is a matmul tile or a row, query or parameter per
// invocation (gpt-wgsl-ops.ts), and every sum runs in a fixed order.
import { DEFAULT_ADAMW } from '../adamw.ts';
import type { GptLayout } from './gpt-layout.ts';
import { NORM_PARTS } from './gpt-layout.ts';
import { attentionBackwardKeys, attentionBackwardQueries, attentionForward } from './gpt-wgsl-attention.ts';
import { header, type OpEntry } from './gpt-wgsl-common.ts';
import { matmul } from './gpt-wgsl-matmul.ts';
import {
  adamW,
  crossEntropy,
  embedForward,
  embeddingBackward,
  finishStep,
  layerNormBackward,
  layerNormForward,
  layerNormParamGrads,
  meanLoss,
  normParts,
} from './gpt-wgsl-ops.ts';

export interface GptProgram {
  code: string;
  entries: OpEntry[];
}

/** Ranges [start, end) of the packed parameters AdamW decays, adjacent ones merged. */
export function decayRanges(layout: GptLayout): [number, number][] {
  const ranges: [number, number][] = [];
  for (const p of layout.params) {
    if (!p.decay) continue;
    const last = ranges.at(-1);
    if (last && last[1] === p.offset) last[1] = p.offset + p.size;
    else ranges.push([p.offset, p.offset + p.size]);
  }
  return ranges;
}

/** The forward pass up to the logits. */
function forwardEntries(L: GptLayout): OpEntry[] {
  const { rows: N, T, C, F, V, masks } = L;
  const p = (l: number, name: string) => L.at(`transformer.h.${l}.${name}`);
  const entries: OpEntry[] = [embedForward('embed', { N, T, C, wte: L.at('transformer.wte.weight'), wpe: L.at('transformer.wpe.weight'), out: L.res0, site: masks.embedding })];
  let residual = L.res0;
  L.layers.forEach((a, l) => {
    const input = (off: number, width: number) => ({ buf: 'acts' as const, off, rs: width, cs: 1 });
    // B(k, j) = W[j, k] for a PyTorch [out, in] weight.
    const weightT = (name: string, inWidth: number) => ({ buf: 'state' as const, off: p(l, name), rs: 1, cs: inWidth });
    entries.push(
      layerNormForward(`ln1_${l}`, { N, C, x: residual, gain: p(l, 'ln_1.weight'), bias: p(l, 'ln_1.bias'), out: a.ln1, mean: a.mean1, rstd: a.rstd1 }),
      matmul({ name: `qkv_${l}`, M: N, N: 3 * C, K: C, a: input(a.ln1, C), b: weightT('attn.c_attn.weight', C), out: { buf: 'acts', off: a.qkv }, epilogue: { kind: 'bias', bias: p(l, 'attn.c_attn.bias') } }),
      attentionForward(`attention_${l}`, { B: L.batch, H: L.H, T, C, D: L.D, qkv: a.qkv, probs: a.probs, att: a.att, site: masks.attention[l] }),
      matmul({
        name: `attnProj_${l}`,
        M: N,
        N: C,
        K: C,
        a: input(a.att, C),
        b: weightT('attn.c_proj.weight', C),
        out: { buf: 'acts', off: a.resMid },
        epilogue: { kind: 'residual', bias: p(l, 'attn.c_proj.bias'), residual, site: masks.attentionBranch[l] },
      }),
      layerNormForward(`ln2_${l}`, { N, C, x: a.resMid, gain: p(l, 'ln_2.weight'), bias: p(l, 'ln_2.bias'), out: a.ln2, mean: a.mean2, rstd: a.rstd2 }),
      matmul({ name: `fc_${l}`, M: N, N: F, K: C, a: input(a.ln2, C), b: weightT('mlp.c_fc.weight', C), out: { buf: 'acts', off: a.fcAct }, epilogue: { kind: 'gelu', bias: p(l, 'mlp.c_fc.bias'), pre: a.fcPre } }),
      matmul({
        name: `mlpProj_${l}`,
        M: N,
        N: C,
        K: F,
        a: input(a.fcAct, F),
        b: weightT('mlp.c_proj.weight', F),
        out: { buf: 'acts', off: a.resOut },
        epilogue: { kind: 'residual', bias: p(l, 'mlp.c_proj.bias'), residual: a.resMid, site: masks.mlpBranch[l] },
      }),
    );
    residual = a.resOut;
  });
  const wte = L.at('transformer.wte.weight');
  entries.push(
    layerNormForward('lnf', { N, C, x: residual, gain: L.at('transformer.ln_f.weight'), bias: L.at('transformer.ln_f.bias'), out: L.lnf, mean: L.meanF, rstd: L.rstdF }),
    matmul({ name: 'logits', M: N, N: V, K: C, a: { buf: 'acts', off: L.lnf, rs: C, cs: 1 }, b: { buf: 'state', off: wte, rs: 1, cs: C }, out: { buf: 'acts', off: L.logits }, epilogue: { kind: 'store' } }),
  );
  return entries;
}

/** The backward pass from the logits' gradient to every parameter's gradient in `grads`. */
function backwardEntries(L: GptLayout): OpEntry[] {
  const { rows: N, T, C, F, V, masks } = L;
  const p = (l: number, name: string) => L.at(`transformer.h.${l}.${name}`);
  const wte = L.at('transformer.wte.weight');
  const last = L.layers.length - 1;
  const finalResidual = last >= 0 ? L.layers[last].resOut : L.res0;
  const rowsOf = (off: number, width: number) => ({ buf: 'acts' as const, off, rs: width, cs: 1 });
  // A(i, k) = X[k, i]: a gradient [N, out] read as [out, N] for a weight's gradient.
  const columnsOf = (off: number, width: number) => ({ buf: 'acts' as const, off, rs: 1, cs: width });
  const weight = (name: string, l: number, inWidth: number) => ({ buf: 'state' as const, off: p(l, name), rs: inWidth, cs: 1 });
  const entries: OpEntry[] = [
    // dlnf = dlogits · wte; dwte = dlogitsᵀ · lnf (the head's half of the tied gradient).
    matmul({ name: 'dLnf', M: N, N: C, K: V, a: rowsOf(L.logits, V), b: { buf: 'state', off: wte, rs: C, cs: 1 }, out: { buf: 'acts', off: L.dLn }, epilogue: { kind: 'store' } }),
    matmul({ name: 'dWteHead', M: V, N: C, K: N, a: columnsOf(L.logits, V), b: rowsOf(L.lnf, C), out: { buf: 'grads', off: wte }, epilogue: { kind: 'store' } }),
    layerNormParamGrads('dLnfParams', { N, C, x: finalResidual, mean: L.meanF, rstd: L.rstdF, dy: L.dLn, gain: L.at('transformer.ln_f.weight'), bias: L.at('transformer.ln_f.bias') }),
    layerNormBackward('dLnfInput', {
      N,
      C,
      x: finalResidual,
      mean: L.meanF,
      rstd: L.rstdF,
      gain: L.at('transformer.ln_f.weight'),
      dy: L.dLn,
      dRes: L.dRes,
      dBranch: L.dBranch,
      site: last >= 0 ? masks.mlpBranch[last] : masks.embedding,
      first: true,
    }),
  ];
  for (let l = last; l >= 0; l--) {
    const a = L.layers[l];
    const input = l > 0 ? L.layers[l - 1].resOut : L.res0;
    entries.push(
      // MLP branch: dBranch is the gradient of c_proj's output.
      matmul({ name: `dMlpProjW_${l}`, M: C, N: F, K: N, a: columnsOf(L.dBranch, C), b: rowsOf(a.fcAct, F), out: { buf: 'grads', off: p(l, 'mlp.c_proj.weight') }, epilogue: { kind: 'store' }, rowSums: { buf: 'grads', off: p(l, 'mlp.c_proj.bias') } }),
      matmul({ name: `dFc_${l}`, M: N, N: F, K: C, a: rowsOf(L.dBranch, C), b: weight('mlp.c_proj.weight', l, F), out: { buf: 'acts', off: L.dFc }, epilogue: { kind: 'geluGrad', pre: a.fcPre } }),
      matmul({ name: `dFcW_${l}`, M: F, N: C, K: N, a: columnsOf(L.dFc, F), b: rowsOf(a.ln2, C), out: { buf: 'grads', off: p(l, 'mlp.c_fc.weight') }, epilogue: { kind: 'store' }, rowSums: { buf: 'grads', off: p(l, 'mlp.c_fc.bias') } }),
      matmul({ name: `dLn2_${l}`, M: N, N: C, K: F, a: rowsOf(L.dFc, F), b: weight('mlp.c_fc.weight', l, C), out: { buf: 'acts', off: L.dLn }, epilogue: { kind: 'store' } }),
      layerNormParamGrads(`dLn2Params_${l}`, { N, C, x: a.resMid, mean: a.mean2, rstd: a.rstd2, dy: L.dLn, gain: p(l, 'ln_2.weight'), bias: p(l, 'ln_2.bias') }),
      layerNormBackward(`dLn2Input_${l}`, { N, C, x: a.resMid, mean: a.mean2, rstd: a.rstd2, gain: p(l, 'ln_2.weight'), dy: L.dLn, dRes: L.dRes, dBranch: L.dBranch, site: masks.attentionBranch[l], first: false }),
      // Attention branch.
      matmul({ name: `dAttnProjW_${l}`, M: C, N: C, K: N, a: columnsOf(L.dBranch, C), b: rowsOf(a.att, C), out: { buf: 'grads', off: p(l, 'attn.c_proj.weight') }, epilogue: { kind: 'store' }, rowSums: { buf: 'grads', off: p(l, 'attn.c_proj.bias') } }),
      matmul({ name: `dAtt_${l}`, M: N, N: C, K: C, a: rowsOf(L.dBranch, C), b: weight('attn.c_proj.weight', l, C), out: { buf: 'acts', off: L.dAtt }, epilogue: { kind: 'store' } }),
    );
    const shape = { B: L.batch, H: L.H, T, C, D: L.D, qkv: a.qkv, probs: a.probs, att: a.att, site: masks.attention[l], dAtt: L.dAtt, dScores: L.dScores, dQkv: L.dQkv };
    entries.push(
      attentionBackwardQueries(`dAttentionQ_${l}`, shape),
      attentionBackwardKeys(`dAttentionKV_${l}`, shape),
      matmul({ name: `dQkvW_${l}`, M: 3 * C, N: C, K: N, a: columnsOf(L.dQkv, 3 * C), b: rowsOf(a.ln1, C), out: { buf: 'grads', off: p(l, 'attn.c_attn.weight') }, epilogue: { kind: 'store' }, rowSums: { buf: 'grads', off: p(l, 'attn.c_attn.bias') } }),
      matmul({ name: `dLn1_${l}`, M: N, N: C, K: 3 * C, a: rowsOf(L.dQkv, 3 * C), b: weight('attn.c_attn.weight', l, C), out: { buf: 'acts', off: L.dLn }, epilogue: { kind: 'store' } }),
      layerNormParamGrads(`dLn1Params_${l}`, { N, C, x: input, mean: a.mean1, rstd: a.rstd1, dy: L.dLn, gain: p(l, 'ln_1.weight'), bias: p(l, 'ln_1.bias') }),
      layerNormBackward(`dLn1Input_${l}`, {
        N,
        C,
        x: input,
        mean: a.mean1,
        rstd: a.rstd1,
        gain: p(l, 'ln_1.weight'),
        dy: L.dLn,
        dRes: L.dRes,
        dBranch: L.dBranch,
        site: l > 0 ? masks.mlpBranch[l - 1] : masks.embedding,
        first: false,
      }),
    );
  }
  entries.push(embeddingBackward('dEmbeddings', { N, T, C, V, dx: L.dBranch, wte, wpe: L.at('transformer.wpe.weight'), batch: L.batch }));
  return entries;
}

/** The whole step: forward, backward, norm and clip factor (and the loss into its slot), AdamW. */
export function gptStepProgram(layout: GptLayout): GptProgram {
  const P = layout.paramCount;
  const entries = [
    ...forwardEntries(layout),
    crossEntropy('crossEntropy', { N: layout.rows, V: layout.V, logits: layout.logits, rowLoss: layout.rowLoss }),
    ...backwardEntries(layout),
    normParts('normParts', { P, parts: NORM_PARTS, out: layout.normPartials }),
    finishStep('finish', { parts: NORM_PARTS, partials: layout.normPartials, factor: layout.clipFactor, N: layout.rows, rowLoss: layout.rowLoss }),
    adamW('adamW', { P, factor: layout.clipFactor, decayRanges: decayRanges(layout), ...DEFAULT_ADAMW }),
  ];
  return { code: [header(layout.rows, layout.maskSizePerStep), ...entries.map((e) => e.code)].join('\n\n'), entries };
}

/**
 * A forward pass without dropout for evaluation and sampling: the logits (left in `acts`,
 * with every layer's attention probabilities), or with `loss` the mean cross-entropy against
 * the targets into losses[0] (the logits are then overwritten by their gradient).
 */
export function gptForwardProgram(layout: GptLayout, loss: boolean): GptProgram {
  const entries = forwardEntries(layout);
  if (loss) {
    entries.push(
      crossEntropy('crossEntropy', { N: layout.rows, V: layout.V, logits: layout.logits, rowLoss: layout.rowLoss }),
      meanLoss('meanLoss', { N: layout.rows, rowLoss: layout.rowLoss }),
    );
  }
  return { code: [header(layout.rows, layout.maskSizePerStep), ...entries.map((e) => e.code)].join('\n\n'), entries };
}
