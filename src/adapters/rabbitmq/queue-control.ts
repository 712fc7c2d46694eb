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

  async applyBackpressure(queue: string, maxLength: number): Promise<{ policy: string }> {
    assertQueueName(queue);
    if (!Number.isSafeInteger(maxLength) || maxLength < 0) {
      throw new ValidationError('maxLength', 'must be a non-negative integer');
    }
    const policy = backpressurePolicyName(queue);
    // PUT replaces the policy of that name, so applying twice leaves exactly one, identical policy.
    await this.request('PUT', `/api/policies/${this.vhostPath()}/${encodeURIComponent(policy)}`, {
      pattern: `^${escapeRegExp(queue)}$`,
      'apply-to': 'queues',
      priority: BACKPRESSURE_POLICY_PRIORITY,
      definition: { 'max-length': maxLength, overflow: 'reject-publish' },
    });
    return { policy };
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
