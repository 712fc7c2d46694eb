import { defineConfig } from 'vitest/config';

// Four projects: unit (pure code, parallel, no servers), integration, e2e and faults (the real stack).
// - integration: two files at a time. Every file works on names of its own (task queue, exchange, service, container
//   labels, dates) and none stops a server or asserts over the whole engine or database, so two of them never see
//   each other; they mostly wait on the servers, so two at a time nearly halve the project's time.
// - e2e: two files at a time too, but for `e2eAlone`, which runs after it one file at a time
//   (`fileParallelism: false`; Vitest 4 removed poolOptions.forks.singleFork).
// - faults: one file at a time; it stops and starts every server under load (the broker restart test included).
// Each file gets a fresh process of its own.

/** E2e files that assert over what every file shares, so no other file may run beside them. */
const e2eAlone = [
  // A dry run leaves the whole Docker engine unchanged: another file's containers would change it.
  'test/e2e/heal-flow.test.ts',
  // The storm's room in the heal budget is counted over every heal in the shared Neo4j: another file's heals would
  // take it.
  'test/e2e/autopilot.test.ts',
];

/** What every real-stack project shares: the global setup (services up, one workflow bundle) and a process per file. */
const realStack = { environment: 'node', globalSetup: ['test/global-setup.ts'], pool: 'forks' as const };
const e2eTimeouts = { testTimeout: 240_000, hookTimeout: 240_000 };

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // No servers: only a directory for the workflow bundle the workflow tests share.
          globalSetup: ['test/unit-global-setup.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          ...realStack,
          maxWorkers: 2,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          ...realStack,
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 240_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: e2eAlone,
          ...realStack,
          maxWorkers: 2,
          ...e2eTimeouts,
        },
      },
      {
        test: {
          name: 'e2e-alone',
          include: e2eAlone,
          ...realStack,
          fileParallelism: false,
          ...e2eTimeouts,
        },
      },
    ],
  },
});
