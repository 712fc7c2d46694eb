// CPU time by process group (this client, the API, the workers, the services), read from /proc/<pid>/stat, so each
// scenario's cost per request can be attributed: on a 2-vCPU machine, the CPU a request needs bounds throughput.
// The services are shared with other test suites, so their share is an upper bound when those run too.
import { readFileSync } from 'node:fs';
import type { BenchStack } from './bench-stack';
import { servicePids } from './environment';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export type CpuGroups = Record<string, number[]>;

export function cpuGroups(stack: BenchStack): CpuGroups {
  const services = servicePids();
  return {
    client: [process.pid],
    // One API per analyze shape: the scenario's serves its requests, and every API relays every event to Socket.IO
    // (its own queue), so an API's CPU in another shape's scenario is what relaying costs.
    ...Object.fromEntries(Object.entries(stack.apis).map(([shape, api]) => [`api ${shape}`, [api.pid]])),
    worker: stack.workers.map((w) => w.pid),
    floorWorker: stack.floorWorkers.map((w) => w.pid),
    ...Object.fromEntries(['temporal', 'neo4j', 'rabbitmq'].map((name) => [name, services[name] ? [Number(services[name])] : []])),
  };
}

/**
 * CPU ms used so far by each group, and as `others` what every other process on the machine used: the load other
 * test suites put on the same CPUs. A group with a process gone (a service restarted by a fault-injecting suite) is
 * NaN, and so is `others`: that scenario's attribution is unknown.
 */
export function cpuTimes(groups: CpuGroups): Record<string, number> {
  const times: Record<string, number> = Object.fromEntries(Object.entries(groups).map(([group, pids]) => [group, pids.reduce((sum, pid) => sum + processCpuMs(pid), 0)]));
  times.others = machineBusyMs() - Object.values(times).reduce((a, b) => a + b, 0);
  return times;
}

/** Busy CPU ms of the whole machine, all CPUs together (/proc/stat: everything but idle and iowait). */
function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / TICKS_PER_SECOND;
}

function processCpuMs(pid: number): number {
  try {
    // Fields after the command name, which is in parentheses and may contain spaces: utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
