export { formatBytes } from '../../lib/checkpoint/messages.ts';

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago". */
export function formatAgo(then: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return 'just now';
  const units: [number, string][] = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    const n = Math.round(seconds / size);
    if (n >= 1 && seconds >= size * 0.75) return `${n} ${name}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

export const formatLoss = (loss: number) => (Number.isFinite(loss) ? loss.toFixed(4) : String(loss));

/**
 * The loss to show for a checkpoint and which one it is: the test loss when the checkpoint was
 * evaluated (that is what `loss` holds then), otherwise the training loss.
 */
export function checkpointLoss(checkpoint: { loss: number; metrics: Record<string, number> }): { kind: 'test' | 'train'; value: string } {
  const { testLoss, trainLoss } = checkpoint.metrics;
  if (testLoss !== undefined) return { kind: 'test', value: formatLoss(testLoss) };
  return { kind: 'train', value: formatLoss(trainLoss ?? checkpoint.loss) };
}

/** "test loss 0.1234" or "train loss 0.5678". */
export function namedLoss(checkpoint: { loss: number; metrics: Record<string, number> }): string {
  const { kind, value } = checkpointLoss(checkpoint);
  return `${kind} loss ${value}`;
}
