// The API writes one log stream: Fastify logs through the process's pino root (src/main/logger.ts), the same root
// its other components (the RabbitMQ feed) take children of, so every line has the same name, level and redaction.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/main/logger';
import { startFakeApp } from '../../helpers/fake-app';

function memoryLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('the API logger', () => {
  it("logs requests through the process's one pino root, with its name and its redaction", async () => {
    const config = loadConfig({ LOG_LEVEL: 'info' });
    const { lines, stream } = memoryLog();
    const root = createLogger(config, 'selfheal-api', stream);
    const { baseUrl, close } = await startFakeApp(config, root);
    try {
      root.child({ component: 'rabbitmq' }).info('a component line');
      const res = await fetch(`${baseUrl}/health`, { headers: { authorization: 'Bearer secret-token' } });
      expect(res.status).toBe(200);
    } finally {
      await close();
    }
    const requests = lines.filter((l) => l['msg'] === 'incoming request');
    expect(requests).toHaveLength(1);
    expect(lines.every((l) => l['name'] === 'selfheal-api')).toBe(true);
    expect(lines.some((l) => l['component'] === 'rabbitmq')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('secret-token');
  });
});
