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
