// GPU buffers of the fused GPT path, counted, so a test can see that training, evaluating and
// sampling for hundreds of steps leaves as many buffers alive as it started with.
let live = 0;

export function createCountedBuffer(device: GPUDevice, size: number, usage: GPUBufferUsageFlags): GPUBuffer {
  live += 1;
  // WebGPU copies and binds in 4-byte units.
  return device.createBuffer({ size: Math.max(4, Math.ceil(size / 4) * 4), usage });
}

export function destroyCountedBuffer(buffer: GPUBuffer): void {
  live -= 1;
  buffer.destroy();
}

export const liveGptBuffers = () => live;

/** Copies `regions` (float offsets and counts) of `source`, after the queued work, into one staging buffer and reads them back end to end. */
export async function readJoined(device: GPUDevice, source: GPUBuffer, regions: { offset: number; size: number }[]): Promise<Float32Array> {
  const total = regions.reduce((n, r) => n + r.size, 0);
  const staging = createCountedBuffer(device, total * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
  const encoder = device.createCommandEncoder();
  let at = 0;
  for (const r of regions) {
    encoder.copyBufferToBuffer(source, r.offset * 4, staging, at * 4, r.size * 4);
    at += r.size;
  }
  device.queue.submit([encoder.finish()]);
  try {
    await staging.mapAsync(GPUMapMode.READ);
    return new Float32Array(staging.getMappedRange().slice(0));
  } finally {
    destroyCountedBuffer(staging);
  }
}

/** readJoined, split back into one array per region. */
export async function readRegions(device: GPUDevice, source: GPUBuffer, regions: { offset: number; size: number }[]): Promise<Float32Array[]> {
  const all = await readJoined(device, source, regions);
  let at = 0;
  return regions.map((r) => all.subarray(at, (at += r.size)));
}
