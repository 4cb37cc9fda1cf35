import { describe, expect, it } from 'vitest';
import { onCleanup, runCleanups } from '../src/interrupt.js';

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
