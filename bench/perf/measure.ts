// Measures several scenarios at one concurrency with their blocks interleaved (floor, analyze, heal, ... then
// again), so load from other processes on this shared machine falls on all of them alike and the ratios to the
// floor stay fair. At concurrency 1 a block is one request; above, a block holds at least 4 requests per caller so
// that ramp-up and drain stay a small part of it.
import { loadavg } from 'node:os';
import type { BenchStack } from './bench-stack';
import { cpuGroups, cpuTimes } from './cpu';
import { runBlock, summarize, warmUp, type Block, type Op } from './load';
import type { Row } from './report';
import { ANALYZE_SCENARIOS } from './scenarios';
import type { AnalyzeShape } from '../../src/config';

export async function measureInterleaved<S extends string>(
  stack: BenchStack,
  scenarios: readonly S[],
  requestsOf: Record<S, Op>,
  requests: number,
  concurrency: number,
): Promise<Row[]> {
  const blockSize = concurrency === 1 ? 1 : Math.min(requests, 4 * concurrency);
  const blocks = new Map<S, Block[]>(scenarios.map((s) => [s, []]));
  const peaks = new Map<S, { api: number; worker: number }>(scenarios.map((s) => [s, { api: 0, worker: 0 }]));
  const groups = cpuGroups(stack);
  const cpu = new Map<S, Record<string, number>>(scenarios.map((s) => [s, Object.fromEntries(Object.keys(cpuTimes(groups)).map((g) => [g, 0]))]));
  const loadBefore = loadavg()[0]!;
  for (const scenario of scenarios) await warmUp(Math.max(2 * concurrency, 10), concurrency, requestsOf[scenario]);

  for (let sent = 0, round = 0; sent < requests; sent += blockSize, round++) {
    const count = Math.min(blockSize, requests - sent);
    // Rotated each round, so no scenario always runs right after the same other one.
    for (let k = 0; k < scenarios.length; k++) {
      const scenario = scenarios[(k + round) % scenarios.length]!;
      const workers = workersOf(stack, scenario);
      const api = apiOf(stack, scenario);
      for (const child of [api, ...workers]) child.resetPeak();
      const cpuBefore = cpuTimes(groups);
      blocks.get(scenario)!.push(await runBlock(count, concurrency, requestsOf[scenario]));
      const cpuAfter = cpuTimes(groups);
      for (const group of Object.keys(cpuAfter)) cpu.get(scenario)![group]! += cpuAfter[group]! - cpuBefore[group]!;
      const peak = peaks.get(scenario)!;
      peak.api = Math.max(peak.api, api.peakMb());
      peak.worker = Math.max(peak.worker, ...workers.map((w) => w.peakMb()));
    }
  }
  // The machine is shared: the 1-minute load average around the measurement goes with its figures.
  const loadAverage: [number, number] = [loadBefore, loadavg()[0]!];
  return scenarios.map((scenario) => ({
    scenario,
    loadAverage,
    workers: workersOf(stack, scenario).length,
    ...summarize(blocks.get(scenario)!, concurrency),
    apiPeakMb: peaks.get(scenario)!.api,
    workerPeakMb: peaks.get(scenario)!.worker,
    cpuMsPerRequest: Object.fromEntries(Object.entries(cpu.get(scenario)!).map(([group, ms]) => [group, ms / requests])),
  }));
}

/** The API a scenario's requests go to: the one running its analyze shape, else the shipped one. */
function apiOf(stack: BenchStack, scenario: string) {
  const shape = (ANALYZE_SCENARIOS as Record<string, AnalyzeShape | undefined>)[scenario] ?? stack.config.api.analyzeShape;
  return stack.apis[shape];
}

/** The worker processes that run a scenario's workflows: the floor's own, or selfheal's. */
function workersOf(stack: BenchStack, scenario: string) {
  return scenario.startsWith('floor') ? stack.floorWorkers : stack.workers;
}
