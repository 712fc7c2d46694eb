// Backpressure on RabbitMQ queues through the management HTTP API: a per-queue policy capping the queue length and
// refusing (nacking) publishes beyond it. Queue names come from requests, so they are validated and URL-encoded.
import type { QueueControl, QueueInfo } from '../ports';
import { ValidationError } from '../../errors';

export interface ManagementApiOptions {
  /** e.g. http://127.0.0.1:15672 */
  baseUrl: string;
  user: string;
  password: string;
  vhost: string;
  timeoutMs?: number;
}

/** Above any policy an operator is likely to have on the queue: only one policy applies to a queue at a time. */
export const BACKPRESSURE_POLICY_PRIORITY = 100;
const MAX_QUEUE_NAME_BYTES = 255;
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export function backpressurePolicyName(queue: string): string {
  return `selfheal-backpressure-${queue}`;
}

export function assertQueueName(queue: string): void {
  if (typeof queue !== 'string' || queue.length === 0) throw new ValidationError('queue', 'must be a non-empty string');
  if (Buffer.byteLength(queue, 'utf8') > MAX_QUEUE_NAME_BYTES) {
    throw new ValidationError('queue', `must be at most ${MAX_QUEUE_NAME_BYTES} bytes`);
  }
  if (CONTROL_CHARS.test(queue)) throw new ValidationError('queue', 'must not contain control characters');
  // URL parsers resolve these as path segments (even percent-encoded), so they cannot be addressed in a URL.
  if (queue === '.' || queue === '..') throw new ValidationError('queue', 'must not be "." or ".."');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class RabbitQueueControl implements QueueControl {
  private readonly authorization: string;

  constructor(private readonly options: ManagementApiOptions) {
    this.authorization = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
  }

  /**
   * Puts the backpressure policy on the queue, composed with the policy the queue already has: RabbitMQ applies one
   * policy per queue (the highest priority), so ours carries the queue's own definition (DLX, TTL, ...) with the
   * lower of both max-lengths and a priority above it. The queue's own policy is never changed, so deleting ours
   * (rollback, release) restores exactly what was there.
   */
  async applyBackpressure(queue: string, maxLength: number): Promise<{ policy: string; base: string | null }> {
    assertQueueName(queue);
    if (!Number.isSafeInteger(maxLength) || maxLength < 1) {
      throw new ValidationError('maxLength', 'must be an integer of at least 1 (0 would refuse every publish)');
    }
    const policy = backpressurePolicyName(queue);
    const base = await this.basePolicy(queue);
    const definition = mergeBackpressure(base?.definition ?? {}, maxLength);
    // PUT replaces the policy of that name, so applying twice leaves exactly one, identical policy.
    await this.request('PUT', `/api/policies/${this.vhostPath()}/${encodeURIComponent(policy)}`, {
      pattern: `^${escapeRegExp(queue)}$`,
      'apply-to': 'queues',
      priority: Math.max(BACKPRESSURE_POLICY_PRIORITY, (base?.priority ?? 0) + 1),
      definition,
    });
    return { policy, base: base?.name ?? null };
  }

  /** The queue's own policy (not ours): the one in effect, or, while ours is, the best other match. */
  async basePolicy(queue: string): Promise<ManagementPolicy | null> {
    const ours = backpressurePolicyName(queue);
    const [current, all] = await Promise.all([
      this.request('GET', `/api/queues/${this.vhostPath()}/${encodeURIComponent(queue)}`, undefined, [404]),
      this.request('GET', `/api/policies/${this.vhostPath()}`),
    ]);
    const policies = ((await all.json()) as ManagementPolicy[]).filter((p) => p.name !== ours);
    const inEffect = current.status === 404 ? undefined : ((await current.json()) as ManagementQueue).policy;
    if (inEffect && inEffect !== ours) return policies.find((p) => p.name === inEffect) ?? null;
    const matching = policies.filter((p) => QUEUE_APPLY_TO.has(p['apply-to']) && patternMatches(p.pattern, queue));
    return matching.sort((a, b) => b.priority - a.priority)[0] ?? null;
  }

  async getPolicy(name: string): Promise<ManagementPolicy | null> {
    const response = await this.request('GET', `/api/policies/${this.vhostPath()}/${encodeURIComponent(name)}`, undefined, [404]);
    return response.status === 404 ? null : ((await response.json()) as ManagementPolicy);
  }

  async releaseBackpressure(queue: string): Promise<void> {
    assertQueueName(queue);
    const path = `/api/policies/${this.vhostPath()}/${encodeURIComponent(backpressurePolicyName(queue))}`;
    await this.request('DELETE', path, undefined, [404]);
  }

  async getQueue(queue: string): Promise<QueueInfo | null> {
    assertQueueName(queue);
    const response = await this.request('GET', `/api/queues/${this.vhostPath()}/${encodeURIComponent(queue)}`, undefined, [404]);
    if (response.status === 404) return null;
    const body = (await response.json()) as ManagementQueue;
    return {
      name: body.name,
      messages: body.messages ?? 0,
      consumers: body.consumers ?? 0,
      policy: body.policy || null,
      maxLength: effectiveMaxLength(body),
    };
  }

  private vhostPath(): string {
    return encodeURIComponent(this.options.vhost);
  }

  private async request(method: string, path: string, body?: unknown, acceptedErrors: number[] = []): Promise<Response> {
    const response = await fetch(`${this.options.baseUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: {
        authorization: this.authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    if (!response.ok && !acceptedErrors.includes(response.status)) {
      const detail = (await response.text().catch(() => '')).slice(0, 300);
      throw new Error(`RabbitMQ management API ${method} ${path}: HTTP ${response.status} ${detail}`);
    }
    return response;
  }
}

export interface ManagementPolicy {
  name: string;
  pattern: string;
  'apply-to': string;
  priority: number;
  definition: Record<string, unknown>;
}

const QUEUE_APPLY_TO = new Set(['queues', 'all', 'classic_queues', 'quorum_queues']);

/** RabbitMQ patterns are Erlang regular expressions; JavaScript's agree on the ones people write for queues. */
function patternMatches(pattern: string, queue: string): boolean {
  try {
    return new RegExp(pattern).test(queue);
  } catch {
    return false;
  }
}

/** The queue's own definition with the backpressure limit: the lower max-length, publishes beyond it refused. */
export function mergeBackpressure(base: Record<string, unknown>, maxLength: number): Record<string, unknown> {
  const baseMax = base['max-length'];
  const overflow = base['overflow'] === 'reject-publish-dlx' ? 'reject-publish-dlx' : 'reject-publish';
  return { ...base, 'max-length': typeof baseMax === 'number' ? Math.min(baseMax, maxLength) : maxLength, overflow };
}

interface ManagementQueue {
  name: string;
  messages?: number;
  consumers?: number;
  policy?: string;
  arguments?: Record<string, unknown>;
  effective_policy_definition?: Record<string, unknown>;
}

/** RabbitMQ applies the lower of the policy's max-length and the queue's x-max-length argument. */
function effectiveMaxLength(queue: ManagementQueue): number | null {
  const limits = [queue.effective_policy_definition?.['max-length'], queue.arguments?.['x-max-length']].filter(
    (v): v is number => typeof v === 'number',
  );
  return limits.length > 0 ? Math.min(...limits) : null;
}
