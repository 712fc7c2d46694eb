// One AMQP connection that survives broker restarts: reconnects with capped exponential backoff and re-runs the
// registered setup (topology, consumers) on every new connection. Channel users never see a stale connection.
import { connect, type ChannelModel } from 'amqplib';

/** The subset of a pino logger the adapters use. */
export interface AdapterLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RabbitConnectionOptions {
  /** Shown in the broker's connection list (e.g. `selfheal-api-1`). */
  name: string;
  heartbeatSeconds?: number;
  connectTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Setup to run on each new connection; a failure recycles the connection so that it is retried. */
export type ConnectedListener = (connection: ChannelModel) => Promise<void>;

export class RabbitConnection {
  private current: ChannelModel | null = null;
  private connecting: Promise<ChannelModel> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private closed = false;
  private readonly listeners: ConnectedListener[] = [];
  private readonly url: string;

  constructor(
    url: string,
    private readonly logger: AdapterLogger,
    private readonly options: RabbitConnectionOptions,
  ) {
    const withHeartbeat = new URL(url);
    // Heartbeats detect a dead broker or network path that never closed the socket.
    if (!withHeartbeat.searchParams.has('heartbeat')) {
      withHeartbeat.searchParams.set('heartbeat', String(options.heartbeatSeconds ?? 10));
    }
    this.url = withHeartbeat.toString();
  }

  /** The live connection, or one connection attempt now (shared by concurrent callers); rejects when the broker is unreachable. */
  get(): Promise<ChannelModel> {
    if (this.closed) return Promise.reject(new Error('RabbitMQ connection is closed'));
    if (this.current) return Promise.resolve(this.current);
    this.connecting ??= this.connectOnce().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** Registers setup to run on every new connection, and runs it now when already connected. */
  async onConnected(listener: ConnectedListener): Promise<void> {
    this.listeners.push(listener);
    // While connecting, connectOnce runs every listener registered by then (this one included).
    if (this.current && !this.connecting) await this.runListener(this.current, listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.connecting?.catch(() => undefined);
    const connection = this.current;
    this.current = null;
    await connection?.close().catch(() => undefined);
  }

  private async connectOnce(): Promise<ChannelModel> {
    let connection: ChannelModel;
    try {
      connection = await connect(this.url, {
        timeout: this.options.connectTimeoutMs ?? 5000,
        // amqplib leaves Nagle on: a publish of two events (a dry run's) then held its second message until the
        // broker's delayed ACK of the first, about 40 ms on Linux, before any confirm could come back.
        noDelay: true,
        clientProperties: { connection_name: this.options.name },
      });
    } catch (err) {
      this.failures += 1;
      this.scheduleReconnect();
      throw err;
    }
    // amqplib emits 'error' before 'close'; without a listener the process would crash.
    connection.on('error', (err: Error) => this.logger.warn({ err, connection: this.options.name }, 'RabbitMQ connection error'));
    connection.on('close', () => this.handleClose(connection));
    connection.on('blocked', (reason: string) => this.logger.warn({ reason, connection: this.options.name }, 'RabbitMQ blocked publishing'));
    connection.on('unblocked', () => this.logger.info({ connection: this.options.name }, 'RabbitMQ unblocked publishing'));
    if (this.closed) {
      await connection.close().catch(() => undefined);
      throw new Error('RabbitMQ connection is closed');
    }
    this.current = connection;
    this.failures = 0;
    this.logger.info({ connection: this.options.name }, 'RabbitMQ connected');
    for (const listener of this.listeners) await this.runListener(connection, listener);
    return connection;
  }

  private async runListener(connection: ChannelModel, listener: ConnectedListener): Promise<void> {
    try {
      await listener(connection);
    } catch (err) {
      this.logger.error({ err, connection: this.options.name }, 'RabbitMQ setup failed; reconnecting');
      // Closing triggers handleClose, which schedules the retry with backoff.
      this.failures += 1;
      await connection.close().catch(() => undefined);
      throw err;
    }
  }

  private handleClose(connection: ChannelModel): void {
    if (this.current !== connection) return;
    this.current = null;
    if (this.closed) return;
    this.logger.warn({ connection: this.options.name }, 'RabbitMQ connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    const min = this.options.minBackoffMs ?? 250;
    const max = this.options.maxBackoffMs ?? 10_000;
    const base = Math.min(max, min * 2 ** Math.min(this.failures, 16));
    // Jitter keeps many API instances from reconnecting in lockstep after a broker restart.
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.get().catch((err: unknown) =>
        this.logger.warn({ err, connection: this.options.name, retryInMs: delay }, 'RabbitMQ reconnect failed'),
      );
    }, delay);
    this.retryTimer.unref();
  }
}
