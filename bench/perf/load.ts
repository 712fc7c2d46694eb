// Closed-loop load: `concurrency` callers each send their next request as soon as the previous one answered, until
// a block of requests has been sent. Latency is per request; throughput is completed requests over the wall time
// of the blocks, so blocks of several scenarios can be interleaved and still summarised per scenario.
export interface LoadStats {
  requests: number;
  concurrency: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  throughput: number;
  seconds: number;
  firstError?: string;
}

export interface Block {
  latencies: number[];
  errors: number;
  seconds: number;
  firstError?: string;
}

/** `op(caller)` sends one request for caller number `caller` (0 to concurrency - 1); it throws on a failed request. */
export type Op = (caller: number) => Promise<void>;

/** Sends `count` requests untimed (first connections, compiled queries, the services' first analyses); failures are only counted. */
export async function warmUp(count: number, concurrency: number, op: Op): Promise<number> {
  let failed = 0;
  await drive(count, concurrency, (caller) => op(caller).catch(() => void failed++));
  return failed;
}

export async function runBlock(count: number, concurrency: number, op: Op): Promise<Block> {
  const block: Block = { latencies: [], errors: 0, seconds: 0 };
  const started = performance.now();
  await drive(count, concurrency, async (caller) => {
    const t = performance.now();
    try {
      await op(caller);
      block.latencies.push(performance.now() - t);
    } catch (err) {
      block.errors++;
      block.firstError ??= err instanceof Error ? err.message : String(err);
    }
  });
  block.seconds = (performance.now() - started) / 1000;
  return block;
}

export function summarize(blocks: Block[], concurrency: number): LoadStats {
  const latencies = blocks.flatMap((b) => b.latencies).sort((a, b) => a - b);
  const seconds = blocks.reduce((sum, b) => sum + b.seconds, 0);
  const errors = blocks.reduce((sum, b) => sum + b.errors, 0);
  const firstError = blocks.find((b) => b.firstError)?.firstError;
  return {
    requests: latencies.length + errors,
    concurrency,
    errors,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    throughput: latencies.length / seconds,
    seconds,
    ...(firstError ? { firstError } : {}),
  };
}

/** Sends `count` requests from at most `concurrency` callers. */
async function drive(count: number, concurrency: number, op: Op): Promise<void> {
  let sent = 0;
  const loop = async (caller: number): Promise<void> => {
    while (sent < count) {
      sent++;
      await op(caller);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, (_, caller) => loop(caller)));
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
