// CPU time by process group (this client, the API, the workers, the services), read from /proc/<pid>/stat, so each
// scenario's cost per request can be attributed: on a 2-vCPU machine, the CPU a request needs bounds throughput.
// The services are shared with other test suites, so their share is an upper bound when those run too.
import { readdirSync, readFileSync } from 'node:fs';
import type { BenchStack } from './bench-stack';
import { servicePids } from './environment';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** The processes of a group; `threads` keeps only the threads whose name matches, `exceptThreads` leaves them out. */
export interface CpuGroup {
  pids: number[];
  threads?: RegExp;
  exceptThreads?: RegExp;
}

export type CpuGroups = Record<string, CpuGroup>;

// The JVM's JIT compiler threads. For the first quarter hour of load after a restart they used as much of Neo4j's CPU
// as its queries did (docs/benchmarks.md): their own column shows whether a run's Neo4j figures are steady-state.
const JIT_THREADS = /^C[12] CompilerThre/;

export function cpuGroups(stack: BenchStack): CpuGroups {
  const services = servicePids();
  const service = (name: string) => (services[name] ? [Number(services[name])] : []);
  return {
    client: { pids: [process.pid] },
    // One API per analyze shape: the scenario's serves its requests, and every API relays every event to Socket.IO
    // (its own queue), so an API's CPU in another shape's scenario is what relaying costs.
    ...Object.fromEntries(Object.entries(stack.apis).map(([shape, api]) => [`api ${shape}`, { pids: [api.pid] }])),
    worker: { pids: stack.workers.map((w) => w.pid) },
    floorWorker: { pids: stack.floorWorkers.map((w) => w.pid) },
    temporal: { pids: service('temporal') },
    neo4j: { pids: service('neo4j'), exceptThreads: JIT_THREADS },
    'neo4j jit': { pids: service('neo4j'), threads: JIT_THREADS },
    rabbitmq: { pids: service('rabbitmq') },
  };
}

/**
 * CPU ms used so far by each group, and as `others` what every other process on the machine used: the load other
 * test suites put on the same CPUs. A group with a process gone (a service restarted by a fault-injecting suite) is
 * NaN, and so is `others`: that scenario's attribution is unknown.
 */
export function cpuTimes(groups: CpuGroups): Record<string, number> {
  const times: Record<string, number> = Object.fromEntries(Object.entries(groups).map(([name, group]) => [name, group.pids.reduce((sum, pid) => sum + groupCpuMs(pid, group), 0)]));
  times.others = machineBusyMs() - Object.values(times).reduce((a, b) => a + b, 0);
  return times;
}

/** Busy CPU ms of the whole machine, all CPUs together (/proc/stat: everything but idle and iowait). */
function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / TICKS_PER_SECOND;
}

function groupCpuMs(pid: number, group: CpuGroup): number {
  if (group.threads) return threadsCpuMs(pid, group.threads);
  // The process's own figure counts the threads that have ended too; the ones left out are long-lived.
  const processMs = statCpuMs(`/proc/${pid}/stat`);
  return group.exceptThreads ? processMs - threadsCpuMs(pid, group.exceptThreads) : processMs;
}

function threadsCpuMs(pid: number, names: RegExp): number {
  try {
    return readdirSync(`/proc/${pid}/task`)
      .filter((tid) => names.test(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()))
      .reduce((sum, tid) => sum + statCpuMs(`/proc/${pid}/task/${tid}/stat`), 0);
  } catch {
    return Number.NaN;
  }
}

function statCpuMs(statFile: string): number {
  try {
    // Fields after the command name, which is in parentheses and may contain spaces: utime and stime are 14 and 15.
    const stat = readFileSync(statFile, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
