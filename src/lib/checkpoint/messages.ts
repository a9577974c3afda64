/** The sentences the store hands to the UI, in one place so they read alike. */

/** "3.1 MB", "420 KB", "12 bytes": decimal units, as the browser's own storage settings show them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e5) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
  return bytes === 1 ? '1 byte' : `${bytes} bytes`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function describeSweep(report: { unfinishedSaves: number; tempBytes: number; orphanChunks: number; orphanBytes: number }): string | null {
  const parts: string[] = [];
  if (report.unfinishedSaves > 0) {
    parts.push(
      `Cleaned up ${plural(report.unfinishedSaves, 'unfinished save', 'unfinished saves')} from an earlier session (${formatBytes(report.tempBytes)}).`,
    );
  }
  if (report.orphanChunks > 0) {
    parts.push(`Removed ${plural(report.orphanChunks, 'stray chunk', 'stray chunks')} that no checkpoint used (${formatBytes(report.orphanBytes)}).`);
  }
  return parts.length > 0 ? parts.join(' ') : null;
}

export function describeDataLoss(browserReason: string): string {
  return (
    'The browser found its checkpoint database damaged and had to start it afresh, so earlier checkpoints are gone' +
    (browserReason ? ` (${browserReason}).` : '.') +
    ' New checkpoints will be saved as usual.'
  );
}

export function describeFallback(skipped: { step: number; reason: string }[], loadedStep: number): string | null {
  if (skipped.length === 0) return null;
  if (skipped.length === 1) {
    return `The checkpoint at step ${skipped[0].step} is damaged (${skipped[0].reason}), so the run was loaded from step ${loadedStep} instead.`;
  }
  const steps = skipped.map((s) => s.step).join(', ');
  return `${skipped.length} newer checkpoints (steps ${steps}) are damaged, so the run was loaded from step ${loadedStep} instead.`;
}

export function describeSaveFailure(
  cause: DOMException,
  step: number,
  bytes: number,
  estimate: { usage: number; quota: number } | null,
): string {
  const size = formatBytes(bytes);
  const unchanged = 'Earlier checkpoints are unchanged and training goes on.';
  const free = estimate ? Math.max(0, estimate.quota - estimate.usage) : null;
  const reported = free === null ? 'The browser does not say how much space is free.' : `The browser reports ${formatBytes(free)} free for this site.`;
  if (cause.name !== 'QuotaExceededError') {
    return (
      `Saving the checkpoint at step ${step} (${size}) failed because the browser aborted the write (${cause.name}: ${cause.message}). ` +
      `${reported} If space is short, delete old checkpoints or make storage persistent, then save again. ${unchanged}`
    );
  }
  // Chromium's estimate is often "usage + 10 GiB" whatever the disk holds, so a refusal
  // despite a large estimate points at the disk.
  const diskFull =
    free !== null && free >= 2 * bytes
      ? `The browser reports ${formatBytes(free)} free for this site, more than the save needs, so the disk itself is probably nearly full.`
      : reported;
  return (
    `There is not enough storage space to save the checkpoint at step ${step} (${size}; while saving it briefly needs about twice that). ` +
    `${diskFull} Delete old checkpoints or runs, or make storage persistent, then save again. ${unchanged}`
  );
}

/** A save refused before writing, because the browser reports less free space than it needs. */
export function describeNotEnoughSpace(step: number, bytes: number, needed: number, free: number): string {
  const need = needed > bytes ? `; while saving it briefly needs about ${formatBytes(needed)}` : '';
  return (
    `There is not enough storage space to save the checkpoint at step ${step} (${formatBytes(bytes)}${need}), so nothing was written. ` +
    `The browser reports ${formatBytes(free)} free for this site. Delete old checkpoints or runs, or make storage persistent, then save again. ` +
    'Earlier checkpoints are unchanged and training goes on.'
  );
}
