// What planning and the safety envelope observe of the outside world: containers, queues and earlier heals.
// The domain owns these shapes; the ports (src/adapters/ports.ts) return them.

export type ContainerState = 'running' | 'exited' | 'restarting' | 'paused' | 'created' | 'dead' | 'removing';

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  state: ContainerState;
  health: 'healthy' | 'unhealthy' | 'starting' | 'none';
  /** ISO-8601 of the last start. */
  startedAt: string;
  restartCount: number;
  labels: Record<string, string>;
  /** The `selfheal.service` label, when set. */
  service: string | null;
  /** The worker host whose Docker engine runs it (WORKER_HOST_ID): set when planning asked every host. */
  host?: string;
}

export interface QueueInfo {
  name: string;
  messages: number;
  consumers: number;
  /** Name of the policy in effect, if any. */
  policy: string | null;
  maxLength: number | null;
}

/** What the safety envelope needs to know about earlier applied heals. */
export interface AppliedHealSummary {
  attemptId: string;
  service: string;
  strategy: string | null;
  at: number;
  outcome: string;
}

/** Cumulative CPU time of a container and of the whole host, in nanoseconds (Docker's cpu_stats). */
export interface CpuCounters {
  totalNs: number;
  systemNs: number;
}

/** What the watch reads of one container each interval: its state and its resource use. */
export interface ContainerSample {
  info: ContainerInfo;
  exitCode: number;
  oomKilled: boolean;
  /** null when it is not running (no counters to read). */
  cpu: CpuCounters | null;
  memory: { usageBytes: number; limitBytes: number } | null;
}
