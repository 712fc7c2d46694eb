import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RabbitConnection } from '../../../src/adapters/rabbitmq/connection';

const QUIET = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('RabbitConnection', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('turns Nagle off on its socket, so the messages of one publish go out at once', async () => {
    // A loopback listener that never answers the AMQP handshake: enough for the client to open its socket.
    const accepted: net.Socket[] = [];
    const server = net.createServer((s) => accepted.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const setNoDelay = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    const { port } = server.address() as net.AddressInfo;
    const connection = new RabbitConnection(`amqp://guest:guest@127.0.0.1:${port}`, QUIET, { name: 'nodelay-test', connectTimeoutMs: 60_000 });
    const attempt = connection.get().then(
      () => 'connected',
      () => 'failed',
    );
    try {
      await vi.waitFor(() => expect(setNoDelay).toHaveBeenCalled(), { timeout: 10_000 });
      expect(setNoDelay.mock.calls.map(([noDelay]) => noDelay)).toEqual([true]);
    } finally {
      // The listener hangs up: the handshake fails at once and the connection stops trying.
      await vi.waitFor(() => expect(accepted).toHaveLength(1), { timeout: 10_000 });
      accepted[0]!.destroy();
      expect(await attempt).toBe('failed');
      await connection.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
