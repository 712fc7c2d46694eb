// The real API entry point refuses unsafe production settings: it exits non-zero with the reason on stderr before it
// connects to anything (the service addresses point at a closed port, so a connection attempt would show).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyFolder, pemOf, rsaKeys } from '../../helpers/tokens';

const repo = path.resolve(__dirname, '../../..');
const privateKeyFile = keyFolder('selfheal-prod-')('private.pem', pemOf(rsaKeys().privateKey));

const nowhere = {
  TEMPORAL_ADDRESS: '127.0.0.1:1',
  NEO4J_URI: 'bolt://127.0.0.1:1',
  NEO4J_PASSWORD: 'a-password-of-its-own',
  RABBITMQ_URL: 'amqp://selfheal:s3cret@127.0.0.1:1',
  RABBITMQ_MANAGEMENT_URL: 'http://127.0.0.1:1',
  RABBITMQ_MANAGEMENT_USER: 'selfheal',
  RABBITMQ_MANAGEMENT_PASSWORD: 's3cret',
};

function startApi(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const { PATH, HOME } = process.env;
  return new Promise((resolve) => {
    const child = execFile('node', ['--import', 'tsx', 'src/main/api.ts'], { cwd: repo, env: { PATH, HOME, ...nowhere, API_PORT: '0', ...env }, timeout: 60_000 }, (_err, _stdout, stderr) =>
      resolve({ code: child.exitCode, stderr }),
    );
  });
}

// Each start loads the whole app through tsx (seconds): the three run side by side.
describe.concurrent('node src/main/api.ts in production mode', () => {
  it.each([
    ['the local development secret', {}, 'JWT_SECRET is the local development secret: refusing to run in production mode'],
    ['RS256 without a key', { JWT_ALGORITHM: 'RS256' }, 'refusing to run in production mode without one'],
    ['a private key where the public key belongs', { JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: privateKeyFile }, 'holds a private key; give the public key'],
    ['the default RabbitMQ credentials', { JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: privateKeyFile, RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1' }, 'RABBITMQ_URL uses the default guest:guest'],
    ['plaintext Neo4j to another host', { JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: privateKeyFile, NEO4J_URI: 'bolt://10.0.0.1:1' }, 'NEO4J_URI sends credentials in plaintext to 10.0.0.1'],
  ])('exits 1 with %s, naming the problem', async (_name, env, message) => {
    const { code, stderr } = await startApi({ SELFHEAL_MODE: 'production', ...env });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^selfheal api: /);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:1|10\.0\.0\.1:1/);
  }, 60_000);
});
