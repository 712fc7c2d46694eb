// Webhook configuration: targets of either kind under the allowlist, a secret (or its file) to sign with, and no
// plaintext webhook to a host that is not loopback in production mode. Messages never show a URL's path (Slack's
// incoming-webhook paths are secrets) nor the secret.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { configProblems } from '../helpers/config';

const SECRET = 'w'.repeat(32);
const dir = mkdtempSync(path.join(os.tmpdir(), 'selfheal-webhooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('webhook configuration', () => {
  it('is off by default', () => {
    expect(loadConfig({}).webhooks).toEqual({ targets: [], secret: undefined, allowlist: [], timeoutMs: 5000 });
  });

  it('reads kinds (a bare URL is generic) and the secret from WEBHOOK_SECRET_FILE', () => {
    const file = path.join(dir, 'secret');
    writeFileSync(file, `${SECRET}\n`);
    const config = loadConfig({
      WEBHOOK_URLS: 'http://127.0.0.1:9000/hooks/a,slack=http://127.0.0.1:9000/hooks/b,generic=http://127.0.0.1:9000/hooks/c?x=1',
      WEBHOOK_ALLOWLIST: 'http://127.0.0.1:9000/hooks',
      WEBHOOK_SECRET_FILE: file,
    });
    expect(config.webhooks.targets).toEqual([
      { kind: 'generic', url: 'http://127.0.0.1:9000/hooks/a' },
      { kind: 'slack', url: 'http://127.0.0.1:9000/hooks/b' },
      { kind: 'generic', url: 'http://127.0.0.1:9000/hooks/c?x=1' },
    ]);
    expect(config.webhooks.secret).toBe(SECRET);
  });

  it('refuses a URL outside the allowlist (none by default: loopback is not implied), naming only its origin', () => {
    const problems = configProblems({ WEBHOOK_URLS: 'slack=https://hooks.slack.com/services/T000/B000/SECRETPATH', WEBHOOK_SECRET: SECRET });
    expect(problems).toEqual(['WEBHOOK_URLS entry 1 (https://hooks.slack.com): not an http(s) URL under a WEBHOOK_ALLOWLIST prefix']);
    expect(configProblems({ WEBHOOK_URLS: 'http://127.0.0.1:9000/other', WEBHOOK_ALLOWLIST: 'http://127.0.0.1:9000/hooks', WEBHOOK_SECRET: SECRET })).toHaveLength(1);
    expect(configProblems({ WEBHOOK_URLS: 'ftp://127.0.0.1/hooks', WEBHOOK_ALLOWLIST: 'ftp://127.0.0.1/hooks', WEBHOOK_SECRET: SECRET })).toHaveLength(1);
  });

  it('needs a secret of at least 32 characters, and never prints it', () => {
    const env = { WEBHOOK_URLS: 'http://127.0.0.1:9000/hooks/a', WEBHOOK_ALLOWLIST: 'http://127.0.0.1:9000/hooks' };
    expect(configProblems(env)).toEqual(['WEBHOOK_URLS needs WEBHOOK_SECRET (or WEBHOOK_SECRET_FILE) to sign with']);
    const short = configProblems({ ...env, WEBHOOK_SECRET: 'short-secret' });
    expect(short).toEqual(['WEBHOOK_SECRET must be at least 32 characters']);
  });

  it('production mode refuses plain http to a host that is not loopback', () => {
    const env = {
      SELFHEAL_MODE: 'production',
      WEBHOOK_URLS: 'http://hooks.internal/a,https://hooks.example.com/b,http://127.0.0.1:9000/c',
      WEBHOOK_ALLOWLIST: 'http://hooks.internal/,https://hooks.example.com/,http://127.0.0.1:9000/',
      WEBHOOK_SECRET: SECRET,
    };
    const webhookProblems = (e: Record<string, string>) => configProblems(e).filter((p) => p.startsWith('WEBHOOK'));
    expect(webhookProblems(env)).toEqual(['WEBHOOK_URLS entry to hooks.internal is plain http: use https:// (or list the host in PLAINTEXT_ALLOWED_HOSTS)']);
    expect(webhookProblems({ ...env, PLAINTEXT_ALLOWED_HOSTS: 'hooks.internal' })).toEqual([]);
  });
});
