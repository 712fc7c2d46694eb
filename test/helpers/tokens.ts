// Hand-made JWTs, well-formed or hostile, for the security tests: every header, claim and signature is chosen by the
// test, so a token can be expired, signed with the wrong key or algorithm, unsigned (`alg: none`) and so on.
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config } from '../../src/config';

const b64url = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

export type Signer = (input: string) => Buffer;

export const hmac = (secret: string | Buffer, hash = 'sha256'): Signer => (input) => createHmac(hash, secret).update(input).digest();
export const rsa = (key: KeyObject): Signer => (input) => sign('sha256', Buffer.from(input), key);
export const ecdsa = (key: KeyObject): Signer => (input) => sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
export const unsigned: Signer = () => Buffer.alloc(0);

export function craftToken(header: Record<string, unknown>, payload: Record<string, unknown>, signer: Signer): string {
  const input = `${b64url({ typ: 'JWT', ...header })}.${b64url(payload)}`;
  return `${input}.${b64url(signer(input))}`;
}

/** Claims this configuration accepts, valid for an hour; `overrides` set (or, with undefined, remove) claims. */
export function claimsFor(config: Config, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { sub: 'security-test', role: 'operator', iss: config.jwt.issuer, aud: config.jwt.audience, iat: now, exp: now + 3600, ...overrides };
  for (const [key, value] of Object.entries(claims)) if (value === undefined) delete claims[key];
  return claims;
}

export function rsaKeys(modulusLength = 2048) {
  return generateKeyPairSync('rsa', { modulusLength });
}

export function ecKeys(namedCurve = 'P-256') {
  return generateKeyPairSync('ec', { namedCurve });
}

/** A fresh temporary folder for key files: the returned function writes one and gives its path. */
export function keyFolder(prefix: string): (name: string, content: string) => string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return (name, content) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  };
}

export const pemOf = (key: KeyObject) => key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }).toString();

/** Tokens an HS256 API must refuse with 401, each named after the attack or mistake it stands for. */
export function refusedTokens(config: Config): Record<string, string> {
  const secret = config.jwt.secret!;
  const now = Math.floor(Date.now() / 1000);
  const beyondSkew = config.jwt.clockSkewSeconds + 60;
  const { privateKey: rsaPrivate, publicKey: rsaPublic } = rsaKeys();
  const good = (overrides: Record<string, unknown> = {}) => claimsFor(config, overrides);
  return {
    expired: craftToken({ alg: 'HS256' }, good({ iat: now - 7200, exp: now - beyondSkew }), hmac(secret)),
    'not yet valid': craftToken({ alg: 'HS256' }, good({ nbf: now + 3600 }), hmac(secret)),
    'no exp': craftToken({ alg: 'HS256' }, good({ exp: undefined }), hmac(secret)),
    'wrong signature': craftToken({ alg: 'HS256' }, good(), hmac('another-secret-that-is-long-enough-to-use')),
    'wrong algorithm (HS512, right secret)': craftToken({ alg: 'HS512' }, good(), hmac(secret, 'sha512')),
    'wrong algorithm (RS256)': craftToken({ alg: 'RS256' }, good(), rsa(rsaPrivate)),
    'alg none': craftToken({ alg: 'none' }, good(), unsigned),
    'alg None with a signature': craftToken({ alg: 'None' }, good(), hmac(secret)),
    'HS256 signed with a public key as secret': craftToken({ alg: 'HS256' }, good(), hmac(pemOf(rsaPublic))),
    'wrong audience': craftToken({ alg: 'HS256' }, good({ aud: 'another-api' }), hmac(secret)),
    'wrong issuer': craftToken({ alg: 'HS256' }, good({ iss: 'someone-else' }), hmac(secret)),
    'missing role': craftToken({ alg: 'HS256' }, good({ role: undefined }), hmac(secret)),
    'unknown role': craftToken({ alg: 'HS256' }, good({ role: 'root' }), hmac(secret)),
    'missing sub': craftToken({ alg: 'HS256' }, good({ sub: undefined }), hmac(secret)),
    'tampered payload': (() => {
      const [header, , signature] = craftToken({ alg: 'HS256' }, good({ role: 'viewer' }), hmac(secret)).split('.');
      return `${header}.${b64url(good({ role: 'admin' }))}.${signature}`;
    })(),
    'not a JWT': 'not-a-jwt',
  };
}
