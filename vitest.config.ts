import { defineConfig } from 'vitest/config';

// Three projects: `unit` (pure code, no services; specs live beside the code),
// `integration` (real Kafka, registry, Redis, ClickHouse started by
// `callguard stack up`; tests live under test/) and `browser` (the console in
// Debian's headless Chromium, against the same stack).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/**/*.spec.ts', 'services/**/*.spec.ts', 'test/unit/**/*.spec.ts', 'test/soak/**/*.spec.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
