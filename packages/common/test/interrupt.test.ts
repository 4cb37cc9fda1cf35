import { describe, expect, it } from 'vitest';
import { onCleanup, runCleanups, settledWithin } from '../src/interrupt.js';

describe('runCleanups', () => {
  it('a second caller waits for the run in progress instead of returning at once', async () => {
    const order: string[] = [];
    onCleanup(async () => {
      await new Promise((r) => setTimeout(r, 50));
      order.push('slow clean-up done');
    });
    const first = runCleanups();
    await runCleanups();
    order.push('second caller returned');
    await first;
    expect(order).toEqual(['slow clean-up done', 'second caller returned']);
  });

  it('runs newest first, once each, and also what a clean-up registers while running', async () => {
    const order: string[] = [];
    onCleanup(() => void order.push('old'));
    onCleanup(() => {
      order.push('new');
      onCleanup(() => void order.push('late'));
    });
    await runCleanups();
    expect(order).toEqual(['new', 'old', 'late']);
  });
});

describe('settledWithin', () => {
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('resolves when the work settles and leaves no timer behind to hold the process open', async () => {
    const before = timers();
    await settledWithin(Promise.resolve('done'), 60_000);
    await settledWithin(Promise.reject(new Error('failed')), 60_000);
    expect(timers()).toBe(before);
  });

  it('resolves after the limit when the work does not settle', async () => {
    const t0 = Date.now();
    await settledWithin(new Promise(() => undefined), 50);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
  });
});
