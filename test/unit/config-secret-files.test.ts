// Secrets from files (NAME_FILE, as Docker and Kubernetes mount them): the value is the file's content without its
// trailing line breaks; both forms at once, a missing file and an empty one are configuration errors that name the
// variable and never print a secret.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { configProblems } from '../helpers/config';

const dir = mkdtempSync(path.join(os.tmpdir(), 'selfheal-secret-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function secretFile(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}


describe('secrets from *_FILE', () => {
  it('reads NEO4J_PASSWORD, RABBITMQ_URL, RABBITMQ_MANAGEMENT_PASSWORD and JWT_SECRET from their files', () => {
    const config = loadConfig({
      NEO4J_PASSWORD_FILE: secretFile('neo4j', 'n30-pass\n'),
      RABBITMQ_URL_FILE: secretFile('amqp', 'amqp://selfheal:r4bbit@127.0.0.1:5672\r\n'),
      RABBITMQ_MANAGEMENT_PASSWORD_FILE: secretFile('mgmt', 'r4bbit'),
      JWT_SECRET_FILE: secretFile('jwt', `${'s'.repeat(40)}\n\n`),
    });
    expect(config.neo4j.password).toBe('n30-pass');
    expect(config.rabbitmq.url).toBe('amqp://selfheal:r4bbit@127.0.0.1:5672');
    expect(config.rabbitmq.managementPassword).toBe('r4bbit');
    expect(config.jwt.secret).toBe('s'.repeat(40));
  });

  it('keeps inner and leading characters: only trailing line breaks are dropped', () => {
    const config = loadConfig({ NEO4J_PASSWORD_FILE: secretFile('spaces', ' a b\nc \n') });
    expect(config.neo4j.password).toBe(' a b\nc ');
  });

  it('uses NAME when NAME_FILE is unset or empty, and the default when both are', () => {
    expect(loadConfig({ NEO4J_PASSWORD: 'direct', NEO4J_PASSWORD_FILE: '' }).neo4j.password).toBe('direct');
    expect(loadConfig({}).neo4j.password).toBe('selfheal-local');
  });

  it('refuses NAME and NAME_FILE together', () => {
    expect(configProblems({ NEO4J_PASSWORD: 'direct', NEO4J_PASSWORD_FILE: secretFile('both', 'from-file') })).toEqual([
      'NEO4J_PASSWORD and NEO4J_PASSWORD_FILE are both set: set one of them',
    ]);
  });

  it('names the variable and the path of a file it cannot read, without any secret', () => {
    const missing = path.join(dir, 'no-such-file');
    expect(configProblems({ RABBITMQ_URL_FILE: missing })).toEqual([`RABBITMQ_URL_FILE=${missing}: cannot read the file (ENOENT)`]);
    expect(configProblems({ RABBITMQ_MANAGEMENT_PASSWORD_FILE: dir })).toEqual([`RABBITMQ_MANAGEMENT_PASSWORD_FILE=${dir}: cannot read the file (EISDIR)`]);
  });

  it('refuses an empty secret file rather than running with an empty password', () => {
    const empty = secretFile('empty', '\n');
    expect(configProblems({ NEO4J_PASSWORD_FILE: empty })).toEqual([`NEO4J_PASSWORD_FILE=${empty}: the file is empty`]);
  });

  it('applies the production checks to a value read from a file', () => {
    const keyless = configProblems({
      SELFHEAL_MODE: 'production',
      JWT_ALGORITHM: 'RS256',
      JWT_SECRET_FILE: secretFile('hs-secret', 'x'.repeat(40)),
      NEO4J_PASSWORD: 'own',
      RABBITMQ_URL_FILE: secretFile('guest-url', 'amqp://guest:guest@127.0.0.1:5672\n'),
      RABBITMQ_MANAGEMENT_USER: 'selfheal',
      RABBITMQ_MANAGEMENT_PASSWORD: 'own',
    });
    expect(keyless).toContain('JWT_SECRET_FILE is only for HS256; JWT_ALGORITHM=RS256 verifies with a public key');
    expect(keyless).toContain('RABBITMQ_URL uses the default guest:guest: refusing to run in production mode');
    expect(keyless.join('\n')).not.toContain('x'.repeat(40));
  });
});
