import { defineConfig } from 'vitest/config';

// Unit tests (fast, no network) and live tests (real archive, dockerd, QEMU) are two projects;
// `npm run test:unit` runs only the first.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['packages/*/test/**/*.test.ts'], exclude: ['**/*.live.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'live',
          include: ['packages/*/test/**/*.live.test.ts'],
          testTimeout: 30 * 60_000,
          hookTimeout: 30 * 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
