// Shared by the RabbitMQ and Socket.IO integration tests and the relay benchmark.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { connect } from 'amqplib';
import { loadConfig } from '../../src/config';
import type { AdapterLogger } from '../../src/adapters/rabbitmq/connection';
import { EVENT_VERSION, type EventEnvelope, type HealStep } from '../../src/domain/events';

export const config = loadConfig();
const repo = path.resolve(__dirname, '../..');

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

/** A logger that keeps what it is told, for assertions (and prints nothing). */
export function capturingLogger(): AdapterLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}.${randomUUID().slice(0, 8)}`;
}

export function healEvent(overrides: Partial<EventEnvelope> & { step?: HealStep } = {}): EventEnvelope {
  return {
    id: randomUUID(),
    type: 'heal',
    version: EVENT_VERSION,
    at: new Date().toISOString(),
    workflowId: 'heal-checkout',
    runId: 'run-1',
    service: 'checkout',
    step: 'planned',
    data: {},
    ...overrides,
  };
}

/** Stops or starts the real broker through the project's service script. */
export function rabbitmqService(action: 'up' | 'down'): void {
  execFileSync('bash', [path.join(repo, 'scripts/services.sh'), action, 'rabbitmq'], { cwd: repo, stdio: 'inherit' });
}

/** Polls until `check` holds, or fails with `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Deletes test exchanges and queues (best effort: they may never have been declared). */
export async function deleteTopology(exchanges: string[], queues: string[]): Promise<void> {
  const connection = await connect(config.rabbitmq.url);
  connection.on('error', () => undefined);
  try {
    for (const queue of queues) {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      await channel.deleteQueue(queue).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
    for (const exchange of exchanges) {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      await channel.deleteExchange(exchange).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
  } finally {
    await connection.close();
  }
}

/**
 * A TCP relay to the broker that the test can cut: closing it drops every relayed connection and refuses new ones,
 * which holds a consumer off the broker for as long as a test needs (a network partition).
 */
export class BrokerGate {
  private readonly server = net.createServer((client) => this.relay(client));
  private readonly sockets = new Set<net.Socket>();
  private open = true;

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as net.AddressInfo;
    const url = new URL(config.rabbitmq.url);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    return url.toString();
  }

  cut(): void {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket): void {
    if (!this.open) {
      client.destroy();
      return;
    }
    const broker = new URL(config.rabbitmq.url);
    const upstream = net.connect(Number(broker.port || 5672), broker.hostname);
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      this.sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  }
}
