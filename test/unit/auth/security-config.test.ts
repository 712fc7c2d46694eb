// Configuration that must not run: production with the local secret or without a public key, mixed key settings,
// key files that do not suit the algorithm, and CORS entries that are not origins.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';
import { KeyConfigError, loadVerificationKeys } from '../../../src/auth/keys';
import { ecKeys, keyFolder, pemOf, rsaKeys } from '../../helpers/tokens';
import { configProblems } from '../../helpers/config';

const file = keyFolder('selfheal-keys-');
const rsa = rsaKeys();
const rsaPublic = file('rsa.pub.pem', pemOf(rsa.publicKey));


/** Production services with credentials of their own, on loopback (transport rules: transport-config.test.ts). */
const ownServices = { NEO4J_PASSWORD: 'a-password-of-its-own', RABBITMQ_URL: 'amqp://selfheal:s3cret@127.0.0.1:5672', RABBITMQ_MANAGEMENT_USER: 'selfheal', RABBITMQ_MANAGEMENT_PASSWORD: 's3cret' };

describe('production mode', () => {
  it('refuses the local development secret (the default when JWT_SECRET is unset)', () => {
    expect(configProblems({ ...ownServices, SELFHEAL_MODE: 'production' })).toEqual([
      'JWT_SECRET is the local development secret: refusing to run in production mode',
      'JWT_ALGORITHM=HS256 is for local use: production mode needs RS256 or ES256 with JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE',
    ]);
  });

  it('refuses HS256 even with a secret of its own: whoever verifies could also mint tokens', () => {
    expect(configProblems({ ...ownServices, SELFHEAL_MODE: 'production', JWT_SECRET: 'x'.repeat(48) })).toEqual([
      'JWT_ALGORITHM=HS256 is for local use: production mode needs RS256 or ES256 with JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE',
    ]);
  });

  it('refuses RS256 or ES256 without a key', () => {
    for (const alg of ['RS256', 'ES256']) {
      expect(configProblems({ ...ownServices, SELFHEAL_MODE: 'production', JWT_ALGORITHM: alg })).toEqual([
        `JWT_ALGORITHM=${alg} needs a key: JWT_PUBLIC_KEY_FILE (PEM) or JWT_JWKS_FILE (JWKS); refusing to run in production mode without one`,
      ]);
    }
  });

  it('runs with RS256 and a public key file, or a JWKS file', () => {
    expect(loadConfig({ ...ownServices, SELFHEAL_MODE: 'production', JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: rsaPublic }).jwt).toMatchObject({ algorithm: 'RS256', secret: undefined });
    expect(loadConfig({ ...ownServices, SELFHEAL_MODE: 'production', JWT_ALGORITHM: 'ES256', JWT_JWKS_FILE: '/run/secrets/jwks.json' }).jwt.jwksFile).toBe('/run/secrets/jwks.json');
  });
});

describe('JWT settings in any mode', () => {
  it.each([
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET must be at least 32 characters'],
    [{ JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: rsaPublic, JWT_SECRET: 'x'.repeat(40) }, 'JWT_SECRET is only for HS256; JWT_ALGORITHM=RS256 verifies with a public key'],
    [{ JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: rsaPublic, JWT_JWKS_FILE: '/k.json' }, 'set JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE, not both'],
    [{ JWT_PUBLIC_KEY_FILE: rsaPublic }, 'JWT_PUBLIC_KEY_FILE and JWT_JWKS_FILE need JWT_ALGORITHM=RS256 or ES256, not HS256'],
    [{ JWT_ALGORITHM: 'none' }, 'JWT_ALGORITHM=none: expected one of HS256, RS256, ES256'],
    [{ JWT_CLOCK_SKEW_SECONDS: '3600' }, 'JWT_CLOCK_SKEW_SECONDS=3600: expected an integer in [0, 300]'],
  ])('%j is refused', (env, problem) => {
    expect(configProblems(env)).toContain(problem);
  });
});

describe('CORS_ORIGINS', () => {
  it('takes exact origins', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://ops.example.com, http://127.0.0.1:8080' }).api.corsOrigins).toEqual(['https://ops.example.com', 'http://127.0.0.1:8080']);
  });

  it.each(['*', 'https://ops.example.com/', 'https://ops.example.com/path', 'ops.example.com', 'file:///etc'])('refuses %s', (entry) => {
    expect(configProblems({ CORS_ORIGINS: entry })[0]).toMatch(/^CORS_ORIGINS entry .*: expected an origin/);
  });
});

describe('key files', () => {
  const keysError = (env: Record<string, string>) => {
    try {
      loadVerificationKeys(loadConfig(env).jwt);
    } catch (err) {
      expect(err).toBeInstanceOf(KeyConfigError);
      return (err as Error).message;
    }
    throw new Error('the keys were accepted');
  };
  const jwks = (keys: object[]) => file(`jwks-${Math.random()}.json`, JSON.stringify({ keys }));
  const rsaJwk = (kid?: string) => ({ ...rsa.publicKey.export({ format: 'jwk' }), ...(kid ? { kid } : {}) });

  it.each([
    ['a missing file', { JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: path.join(path.dirname(rsaPublic), 'nope.pem') }, /JWT_PUBLIC_KEY_FILE .*nope.pem: ENOENT/],
    ['a private key given as the public key', { JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: file('private.pem', pemOf(rsa.privateKey)) }, /holds a private key/],
    ['a file that is no key', { JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: file('junk.pem', 'hello') }, /is not a PEM public key/],
    ['an EC key for RS256', { JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: file('ec.pem', pemOf(ecKeys().publicKey)) }, /RS256 needs an RSA key, not ec/],
    ['an RSA key for ES256', { JWT_ALGORITHM: 'ES256', JWT_PUBLIC_KEY_FILE: rsaPublic }, /ES256 needs an EC key on P-256/],
    ['a P-384 key for ES256', { JWT_ALGORITHM: 'ES256', JWT_PUBLIC_KEY_FILE: file('p384.pem', pemOf(ecKeys('P-384').publicKey)) }, /ES256 needs an EC key on P-256, not ec secp384r1/],
    ['a 1024-bit RSA key', { JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: file('weak.pem', pemOf(rsaKeys(1024).publicKey)) }, /1024 bits; at least 2048/],
    ['a JWKS that is not JSON', { JWT_ALGORITHM: 'RS256', JWT_JWKS_FILE: file('bad.json', '{') }, /is not JSON/],
    ['a JWKS without keys', { JWT_ALGORITHM: 'RS256', JWT_JWKS_FILE: file('empty.json', '{}') }, /expected \{"keys": \[...\]\}/],
    ['a JWKS with private key material', { JWT_ALGORITHM: 'RS256', JWT_JWKS_FILE: jwks([{ ...rsa.privateKey.export({ format: 'jwk' }), kid: 'a' }]) }, /key "a" holds private key material/],
    ['a JWKS with two keys and no kid', { JWT_ALGORITHM: 'RS256', JWT_JWKS_FILE: jwks([rsaJwk('a'), rsaJwk()]) }, /every key needs a "kid"/],
    ['a JWKS with a duplicate kid', { JWT_ALGORITHM: 'RS256', JWT_JWKS_FILE: jwks([rsaJwk('a'), rsaJwk('a')]) }, /key "a": duplicate kid/],
    ['a JWKS with keys for other algorithms only', { JWT_ALGORITHM: 'RS256', JWT_JWKS_FILE: jwks([{ ...rsaJwk('a'), alg: 'RS512' }]) }, /no signing key for RS256/],
  ])('%s stops the start', (_name, env, message) => {
    expect(keysError(env)).toMatch(message);
  });
});
