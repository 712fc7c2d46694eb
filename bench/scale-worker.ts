// The worker of bench/autopilot-scale.ts: src/main/worker.ts's worker without its start-up chores (the retention
// schedule is shared by everyone on this Temporal server and must keep pointing at a queue that outlives the bench).
import { loadConfig } from '../src/config';
import { startWorker } from '../src/main/worker';

startWorker(loadConfig()).then(
  (started) => started.run(),
  (err: unknown) => {
    process.stderr.write(`scale worker: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
