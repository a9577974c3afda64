import { createSubscriber } from 'svelte/reactivity';

/**
 * The current time for "5 minutes ago" labels, refreshed every 30 s while something on screen
 * reads it (and not at all otherwise), so a page left open keeps its labels true.
 */
class Clock {
  readonly #subscribe = createSubscriber((update) => {
    const timer = setInterval(update, 30_000);
    return () => clearInterval(timer);
  });

  get now(): number {
    this.#subscribe();
    return Date.now();
  }
}

export const clock = new Clock();
