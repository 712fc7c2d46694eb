import { defineConfig } from 'vitest/config';

// Four projects: unit (pure code, parallel, no servers), integration, e2e and faults (the real stack).
// - integration: two files at a time. Every file works on names of its own (task queue, exchange, service, container
//   labels, dates) and none stops a server or asserts over the whole engine or database, so two of them never see
//   each other; they mostly wait on the servers, so two at a time nearly halve the project's time.
// - e2e and faults: one file at a time (`fileParallelism: false`; Vitest 4 removed poolOptions.forks.singleFork).
//   Some e2e files assert over the whole Docker engine or over the heal budget counted across the shared Neo4j, and
//   faults stops and starts every server under load (the broker restart test included).
// Each file gets a fresh process of its own.
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/global-setup.ts'],
          pool: 'forks',
          maxWorkers: 2,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/global-setup.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 240_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/global-setup.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
