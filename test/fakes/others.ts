// In-memory stand-ins for the remaining ports, for activity and API tests that need no real service. They keep the
// ports' documented promises (idempotent actions, null for what does not exist) and record what they were asked.
import type {
  BudgetReservation,
  EventOutbox,
  PendingEvent,
  AuditRetention,
  AutopilotStore,
  HealBudget,
  ServiceRegistry,
  ContainerInfo,
  ContainerSample,
  WatchRecord,
  ContainerRuntime,
  EventFeed,
  EventPublisher,
  HttpProbe,
  MetricHistory,
  QueueControl,
  QueueInfo,
  SnapshotSummary,
} from '../../src/adapters/ports';
import type { EventEnvelope } from '../../src/domain/events';
import type { ServiceLookup } from '../../src/domain/bounds';
import { TargetGoneError, ValidationError } from '../../src/errors';
import type { WorkerCounters } from '../../activities/deps';

/**
 * The broker in memory: every API instance has a durable queue of its own (declared by its feed's first start) that
 * gets every published event; a started feed of that instance consumes it, dropping ids it has already delivered;
 * what is published while no feed of the instance runs waits in its queue for the next one.
 */
export class FakeEventBus {
  readonly queues = new Map<string, EventEnvelope[]>();
  readonly consumers = new Map<string, FakeEventFeed>();

  deliver(events: EventEnvelope[]): void {
    for (const [instanceId, queue] of this.queues) {
      queue.push(...structuredClone(events));
      this.consumers.get(instanceId)?.drain();
    }
  }

  feed(instanceId: string): FakeEventFeed {
    return new FakeEventFeed(this, instanceId);
  }
}

export class FakeEventPublisher implements EventPublisher {
  readonly published: EventEnvelope[] = [];
  closed = false;
  /** The broker is out of reach: every publish fails until it is back. */
  down = false;
  /** How many publish calls were made (a batch of events is one). */
  publishCalls = 0;
  /** Runs as a publish begins: what happens while one is in flight. */
  onPublish: (() => void) | null = null;

  constructor(private readonly bus = new FakeEventBus()) {}

  async publish(events: EventEnvelope[]): Promise<void> {
    this.onPublish?.();
    this.publishCalls += 1;
    if (this.closed) throw new Error('publisher closed');
    if (this.down) throw new Error('broker unreachable');
    this.published.push(...structuredClone(events));
    this.bus.deliver(events);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export class FakeEventFeed implements EventFeed {
  private onEvent: ((event: EventEnvelope) => void) | null = null;
  private readonly seen = new Set<string>();

  constructor(
    private readonly bus: FakeEventBus,
    private readonly instanceId: string,
  ) {}

  async start(onEvent: (event: EventEnvelope) => void): Promise<void> {
    if (this.onEvent) throw new Error('event feed already started');
    this.onEvent = onEvent;
    if (!this.bus.queues.has(this.instanceId)) this.bus.queues.set(this.instanceId, []);
    this.bus.consumers.set(this.instanceId, this);
    this.drain();
  }

  drain(): void {
    const queue = this.bus.queues.get(this.instanceId) ?? [];
    while (this.onEvent && queue.length > 0) {
      const event = queue.shift()!;
      if (this.seen.has(event.id)) continue;
      this.seen.add(event.id);
      this.onEvent(event);
    }
  }

  async close(): Promise<void> {
    if (this.bus.consumers.get(this.instanceId) === this) this.bus.consumers.delete(this.instanceId);
    this.onEvent = null;
  }
}

/** A container as the fake engine holds it; `startedAt` moves on each (re)start. A service's container opts in to
 * the server-side inventory with `selfheal.managed`, as the demo and test containers do. */
export function container(over: Partial<ContainerInfo> & { name: string }): ContainerInfo {
  return {
    id: `id-${over.name}`,
    image: 'selfheal/busybox:1',
    state: 'running',
    health: 'healthy',
    startedAt: '2026-01-01T00:00:00.000Z',
    restartCount: 0,
    labels: over.service ? { 'selfheal.service': over.service, 'selfheal.managed': 'true' } : {},
    service: null,
    ...over,
  };
}

export class FakeContainerRuntime implements ContainerRuntime {
  readonly containers = new Map<string, ContainerInfo>();
  readonly calls: string[] = [];
  private clock = Date.parse('2026-01-01T00:00:00.000Z');

  constructor(containers: ContainerInfo[] = []) {
    for (const c of containers) this.containers.set(c.id, structuredClone(c));
  }

  private find(ref: string): ContainerInfo | undefined {
    return this.containers.get(ref) ?? [...this.containers.values()].find((c) => c.name === ref || c.id.startsWith(ref));
  }

  private must(ref: string): ContainerInfo {
    const c = this.find(ref);
    if (!c) throw new TargetGoneError(`container ${ref} is gone`);
    return c;
  }

  async ping(): Promise<void> {}

  async inspect(ref: string): Promise<ContainerInfo | null> {
    const c = this.find(ref);
    return c ? structuredClone(c) : null;
  }

  async list(filter: { service?: string; labels?: Record<string, string> }): Promise<ContainerInfo[]> {
    return [...this.containers.values()]
      .filter((c) => filter.service === undefined || c.labels['selfheal.service'] === filter.service)
      .filter((c) => Object.entries(filter.labels ?? {}).every(([k, v]) => c.labels[k] === v))
      .map((c) => structuredClone(c));
  }

  /** Running containers use a steady 1% of the host's CPU and 1 MiB of a 1 GiB limit; `usage` overrides them. */
  readonly usage = new Map<string, { cpuShare: number; memoryBytes: number; oomKilled?: boolean }>();
  private samples = 0;

  async sample(ref: string): Promise<ContainerSample | null> {
    const c = this.find(ref);
    if (!c) return null;
    const use = this.usage.get(c.name) ?? { cpuShare: 0.01, memoryBytes: 1 << 20 };
    const systemNs = ++this.samples * 1e9;
    const running = c.state === 'running';
    return {
      info: structuredClone(c),
      exitCode: running ? 0 : 137,
      oomKilled: use.oomKilled ?? false,
      cpu: running ? { totalNs: systemNs * use.cpuShare, systemNs } : null,
      memory: running ? { usageBytes: use.memoryBytes, limitBytes: 1 << 30 } : null,
    };
  }

  async restartOnce(ref: string, startedAtBefore: string): Promise<{ restarted: boolean; startedAt: string }> {
    const c = this.must(ref);
    if (c.startedAt > startedAtBefore) return { restarted: false, startedAt: c.startedAt };
    this.calls.push(`restart ${c.name}`);
    c.startedAt = new Date((this.clock += 1000)).toISOString();
    c.restartCount++;
    c.state = 'running';
    return { restarted: true, startedAt: c.startedAt };
  }

  async ensureReplicas(template: string, healKey: string, count: number): Promise<string[]> {
    const t = this.must(template);
    const have = [...this.containers.values()].filter((c) => c.labels['selfheal.heal'] === healKey);
    for (let i = have.length; i < count; i++) {
      const name = `${t.name}-${healKey}-${i}`;
      this.calls.push(`create ${name}`);
      const replica = { ...structuredClone(t), id: `id-${name}`, name, labels: { ...t.labels, 'selfheal.heal': healKey } };
      this.containers.set(replica.id, replica);
    }
    return [...this.containers.values()].filter((c) => c.labels['selfheal.heal'] === healKey).map((c) => c.id);
  }

  async removeReplicas(healKey: string): Promise<string[]> {
    const ids = [...this.containers.values()].filter((c) => c.labels['selfheal.heal'] === healKey).map((c) => c.id);
    for (const id of ids) {
      this.calls.push(`remove ${this.containers.get(id)!.name}`);
      this.containers.delete(id);
    }
    return ids;
  }

  async stop(ref: string): Promise<void> {
    this.must(ref).state = 'exited';
  }

  async start(ref: string): Promise<void> {
    this.must(ref).state = 'running';
  }

  /** Saved configurations of recreateOnce, by key (the real adapter keeps them in a created, never started container). */
  readonly saved = new Map<string, ContainerInfo>();
  /** Fault injection: recreateOnce throws once after this point (as a worker that dies there would). */
  crashRecreateAfter: 'saved' | 'stopped' | 'removed' | null = null;
  private ids = 0;

  async recreateOnce(plannedId: string, name: string, key: string): Promise<{ id: string; recreated: boolean; savedBefore: boolean }> {
    const savedBefore = this.saved.has(key);
    let current = this.find(name);
    if (current && current.id !== plannedId) {
      this.saved.delete(key);
      return { id: current.id, recreated: false, savedBefore };
    }
    if (current) {
      if (!savedBefore) this.saved.set(key, structuredClone(current));
      this.crash('saved');
      this.calls.push(`stop ${name}`);
      current.state = 'exited';
      this.crash('stopped');
      this.calls.push(`remove ${name}`);
      this.containers.delete(current.id);
      this.crash('removed');
    }
    const config = this.saved.get(key);
    if (!config) throw new TargetGoneError(`container ${name} is gone and no configuration was saved for ${key}`);
    current = this.createFrom(config);
    this.saved.delete(key);
    return { id: current.id, recreated: true, savedBefore };
  }

  async restoreRecreated(name: string, key: string): Promise<{ id: string | null; restored: boolean; detail: string }> {
    const current = this.find(name);
    const config = this.saved.get(key);
    this.saved.delete(key);
    if (current) {
      if (current.state === 'running') return { id: current.id, restored: false, detail: `${name} is running` };
      this.calls.push(`start ${name}`);
      current.state = 'running';
      return { id: current.id, restored: true, detail: `started ${name} again` };
    }
    if (!config) return { id: null, restored: false, detail: `${name} is gone and no configuration was saved` };
    const created = this.createFrom(config);
    return { id: created.id, restored: true, detail: `created ${name} again from its saved configuration` };
  }

  private createFrom(config: ContainerInfo): ContainerInfo {
    this.calls.push(`create ${config.name}`);
    // A fresh container passes its healthcheck (as the real one does once its first check ran).
    const health = config.health === 'none' ? ('none' as const) : ('healthy' as const);
    const created = { ...structuredClone(config), id: `recreated-${++this.ids}-${config.name}`, state: 'running' as const, health, startedAt: new Date((this.clock += 1000)).toISOString(), restartCount: 0 };
    this.containers.set(created.id, created);
    return created;
  }

  private crash(point: 'saved' | 'stopped' | 'removed'): void {
    if (this.crashRecreateAfter !== point) return;
    this.crashRecreateAfter = null;
    throw new Error(`injected crash after ${point}`);
  }
}

/**
 * Queues and backpressure policies in memory, as the management API keeps them: a policy is named after its queue and
 * may exist before the queue does (applying it to a missing queue succeeds).
 */
export class FakeQueueControl implements QueueControl {
  /** Declared queues: name, depth and consumers (policy and maxLength come from `policies`). */
  readonly queues = new Map<string, QueueInfo>();
  /** max-length by queue name. */
  readonly policies = new Map<string, number>();

  /** The queues' own policies (by name), which backpressure composes with. */
  private readonly own = new Map<string, string>();

  constructor(queues: QueueInfo[] = []) {
    for (const q of queues) {
      this.queues.set(q.name, { ...q, policy: null, maxLength: null });
      if (q.policy !== null) this.own.set(q.name, q.policy);
    }
  }

  static policyName(queue: string): string {
    return `selfheal-backpressure-${queue}`;
  }

  async applyBackpressure(queue: string, maxLength: number): Promise<{ policy: string; base: string | null }> {
    checkQueueName(queue);
    if (!Number.isSafeInteger(maxLength) || maxLength < 0) throw new ValidationError('maxLength', 'must be a non-negative integer');
    this.policies.set(queue, maxLength);
    // The queue's own policy is merged into ours, not replaced (as RabbitQueueControl does it).
    return { policy: FakeQueueControl.policyName(queue), base: this.own.get(queue) ?? null };
  }

  async releaseBackpressure(queue: string): Promise<void> {
    checkQueueName(queue);
    this.policies.delete(queue);
  }

  async getQueue(queue: string): Promise<QueueInfo | null> {
    checkQueueName(queue);
    const q = this.queues.get(queue);
    if (!q) return null;
    const maxLength = this.policies.get(queue);
    return { ...q, policy: maxLength === undefined ? (this.own.get(queue) ?? null) : FakeQueueControl.policyName(queue), maxLength: maxLength ?? null };
  }
}

/** Answers each URL with the status set for it (200 by default), or not at all when unreachable; records every URL asked. */
export class FakeHttpProbe implements HttpProbe {
  readonly statuses = new Map<string, number>();
  readonly unreachable = new Set<string>();
  readonly asked: string[] = [];

  async get(url: string): Promise<{ status: number; ok: boolean; error?: string }> {
    this.asked.push(url);
    // status 0: no HTTP answer at all, as FetchHttpProbe reports it.
    if (this.unreachable.has(url)) return { status: 0, ok: false, error: 'fetch failed: connect ECONNREFUSED' };
    const status = this.statuses.get(url) ?? 200;
    return { status, ok: status >= 200 && status < 300 };
  }
}

export class FakeMetricHistory implements MetricHistory {
  readonly snapshots: (SnapshotSummary & { service: string })[] = [];

  async recentSnapshots(service: string, sinceMs: number, limit: number): Promise<SnapshotSummary[]> {
    return this.snapshots
      .filter((s) => s.service === service && s.at >= sinceMs)
      .sort((a, b) => b.at - a.at)
      .slice(0, limit)
      .map(({ service: _service, ...s }) => structuredClone(s));
  }
}

/** The budget's reservations in memory, with the Neo4j adapter's rules: counted in (at - window, at], once per attempt. */
export class FakeHealBudget implements HealBudget {
  readonly reservations: { attemptId: string; service: string; at: number }[] = [];

  async reserve(r: BudgetReservation): Promise<{ granted: boolean; global: number; service: number }> {
    const others = this.reservations.filter((x) => x.attemptId !== r.attemptId && x.at >= r.at - r.windowSeconds * 1000 && x.at <= r.at);
    const global = others.length;
    const service = others.filter((x) => x.service === r.service).length;
    const own = this.reservations.some((x) => x.attemptId === r.attemptId);
    const granted = own || (global < r.globalMax && service < r.serviceMax);
    if (granted && !own) this.reservations.push({ attemptId: r.attemptId, service: r.service, at: r.at });
    return { granted, global, service };
  }

  async release(attemptId: string): Promise<void> {
    const i = this.reservations.findIndex((x) => x.attemptId === attemptId);
    if (i >= 0) this.reservations.splice(i, 1);
  }
}

/** Snapshots by time, in memory: what the retention activity deletes. */
export class FakeAuditRetention implements AuditRetention {
  readonly snapshots: { id: string; at: number }[] = [];

  async pruneSnapshots(cutoffMs: number, batch: number): Promise<number> {
    const old = this.snapshots.filter((s) => s.at < cutoffMs).slice(0, batch);
    for (const s of old) this.snapshots.splice(this.snapshots.indexOf(s), 1);
    return old.length;
  }
}

/** The services known so far, in memory. */
export class FakeServiceRegistry implements ServiceRegistry {
  readonly services = new Set<string>();

  async lookup(service: string): Promise<ServiceLookup> {
    return this.services.has(service) ? { known: true } : { known: false, count: this.services.size };
  }
}

/** Records the streams it was asked to flush, and the rows handed to it per stream. */
export class FakeEventOutbox implements EventOutbox {
  readonly woken: string[] = [];
  readonly handed: Array<{ stream: string; ids: string[] }> = [];

  wake(stream: string): void {
    this.woken.push(stream);
  }

  publishRows(stream: string, rows: PendingEvent[]): void {
    this.handed.push({ stream, ids: rows.map((row) => row.id) });
  }
}

/** Counts what the activities count, for assertions. */
export class FakeCounters implements WorkerCounters {
  readonly analyses: boolean[] = [];
  readonly heals: { outcome: string; strategy: string | null; dryRun: boolean }[] = [];

  analysisRecorded(replayed: boolean): void {
    this.analyses.push(replayed);
  }

  healFinished(outcome: string, strategy: string | null, dryRun: boolean): void {
    this.heals.push({ outcome, strategy, dryRun });
  }
}

function checkQueueName(queue: string): void {
  if (typeof queue !== 'string' || queue.length === 0) throw new ValidationError('queue', 'must be a non-empty string');
}

/** Keeps every watch record, in order. */
export class FakeAutopilotStore implements AutopilotStore {
  readonly records: WatchRecord[] = [];

  async recordWatch(record: WatchRecord): Promise<void> {
    this.records.push(structuredClone(record));
  }
}
