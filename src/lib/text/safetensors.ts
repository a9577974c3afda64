import type { TrainConfig } from '../engine/config.ts';
import { nanoGptExportNames, type TextModelSpec } from './model/gpt-spec.ts';

/** One float32 tensor by name, row-major, as a checkpoint holds it. */
export interface NamedFloats {
  name: string;
  shape: number[];
  values: Float32Array | Int32Array;
}

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a
 * JSON header naming each tensor's dtype, shape and byte range, then the bytes. The header is
 * padded with spaces to a multiple of 8 so the data starts aligned, as the reference writer does.
 */
export function encodeSafetensors(tensors: readonly NamedFloats[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * t.values.length] };
    offset += 4 * t.values.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    const floats = Float32Array.from(t.values);
    // Float32Array is in the platform's byte order; every browser we run on is little-endian, as safetensors is.
    out.set(new Uint8Array(floats.buffer), at);
    at += floats.byteLength;
  }
  return out;
}

/**
 * The weights under nanoGPT's state_dict names (lm_head.weight repeats the tied wte), ready for
 * `model.load_state_dict(safetensors.torch.load_file(...))`, and nanoGPT's GPTConfig as JSON.
 */
export function nanoGptFiles(config: TrainConfig, spec: TextModelSpec, chars: readonly string[], tensors: readonly NamedFloats[]): { safetensors: Uint8Array; configJson: string } {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const named = nanoGptExportNames(spec).map(({ name, source }) => {
    const tensor = byName.get(source);
    if (!tensor) throw new Error(`The checkpoint has no ${source}, so model.safetensors cannot be written; export a checkpoint saved by the text demo.`);
    return { name, shape: tensor.shape, values: tensor.values };
  });
  const gptConfig =
    spec.kind === 'gpt'
      ? { model: 'gpt', vocab_size: spec.vocabSize, block_size: spec.context, n_layer: spec.layers, n_head: spec.heads, n_embd: spec.width, dropout: config.dropout, bias: true }
      : { model: 'bigram', vocab_size: spec.vocabSize };
  // The vocabulary (itos): token i is chars[i], so a Python script can encode and decode as the app did.
  return { safetensors: encodeSafetensors(named, { format: 'pt' }), configJson: JSON.stringify({ ...gptConfig, chars }, null, 2) };
}
