// The token verifier in each key mode (HS256 secret, RS256/ES256 PEM, JWKS by kid): what it accepts, and every way
// a token is refused.
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../../src/config';
import { createTokenVerifier, signToken, TokenRejectedError } from '../../../src/auth/jwt';
import { claimsFor, craftToken, ecdsa, ecKeys, hmac, keyFolder, pemOf, refusedTokens, rsa, rsaKeys, unsigned } from '../../helpers/tokens';

const file = keyFolder('selfheal-jwt-');
const hs256 = loadConfig({});
const rsaPair = rsaKeys();
const ecPair = ecKeys();
const rs256 = loadConfig({ JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: file('rsa.pub.pem', pemOf(rsaPair.publicKey)), JWT_PRIVATE_KEY_FILE: file('rsa.pem', pemOf(rsaPair.privateKey)) });
const es256 = loadConfig({ JWT_ALGORITHM: 'ES256', JWT_PUBLIC_KEY_FILE: file('ec.pub.pem', pemOf(ecPair.publicKey)), JWT_PRIVATE_KEY_FILE: file('ec.pem', pemOf(ecPair.privateKey)) });

// Two keys in the set, as during a rotation; the old one is the RSA pair above.
const newPair = rsaKeys();
const jwk = (key: typeof rsaPair.publicKey, kid: string) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' });
const jwksFile = file('jwks.json', JSON.stringify({ keys: [jwk(rsaPair.publicKey, 'old'), jwk(newPair.publicKey, 'new'), { kty: 'oct', k: 'c2VjcmV0', kid: 'enc', use: 'enc' }] }));
const jwks = loadConfig({ JWT_ALGORITHM: 'RS256', JWT_JWKS_FILE: jwksFile, JWT_PRIVATE_KEY_FILE: file('new.pem', pemOf(newPair.privateKey)) });

const refusal = (config: Config, token: string) => {
  try {
    createTokenVerifier(config)(token);
  } catch (err) {
    expect(err).toBeInstanceOf(TokenRejectedError);
    return (err as Error).message;
  }
  throw new Error('the token was accepted');
};

describe('HS256 (local use)', () => {
  const verify = createTokenVerifier(hs256);

  it('accepts its own tokens and returns the subject and role', () => {
    expect(verify(signToken(hs256, { sub: 'alice', role: 'admin' }))).toEqual({ sub: 'alice', role: 'admin', exp: expect.any(Number) });
  });

  it('accepts a token that expired within the clock skew, and refuses one beyond it', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(verify(craftToken({ alg: 'HS256' }, claimsFor(hs256, { exp: now - 10 }), hmac(hs256.jwt.secret!))).sub).toBe('security-test');
    expect(refusal(hs256, craftToken({ alg: 'HS256' }, claimsFor(hs256, { exp: now - 31 }), hmac(hs256.jwt.secret!)))).toMatch(/expired/);
  });

  it.each(Object.entries(refusedTokens(hs256)))('refuses a token with %s', (_name, token) => {
    expect(refusal(hs256, token).length).toBeGreaterThan(0);
  });

  it('names the reason', () => {
    const tokens = refusedTokens(hs256);
    expect(refusal(hs256, tokens['alg none']!)).toMatch(/algorithm "none" is refused; this API accepts HS256 only/);
    expect(refusal(hs256, tokens['wrong audience']!)).toMatch(/aud/);
    expect(refusal(hs256, tokens['wrong issuer']!)).toMatch(/iss/);
    expect(refusal(hs256, tokens['unknown role']!)).toBe('the role claim must be one of viewer, operator, admin');
    expect(refusal(hs256, tokens['wrong signature']!)).toMatch(/signature/);
  });

  it('refuses over-long tokens and subjects before using them', () => {
    expect(refusal(hs256, 'a'.repeat(9000))).toMatch(/longer than 8192/);
    expect(refusal(hs256, craftToken({ alg: 'HS256' }, claimsFor(hs256, { sub: 'x'.repeat(201) }), hmac(hs256.jwt.secret!)))).toMatch(/sub claim/);
  });
});

describe.each([
  ['RS256', rs256, rsa(rsaPair.privateKey)],
  ['ES256', es256, ecdsa(ecPair.privateKey)],
] as const)('%s with a PEM public key', (alg, config, signer) => {
  it('accepts tokens signed with the private key, by hand or by signToken', () => {
    expect(createTokenVerifier(config)(craftToken({ alg }, claimsFor(config), signer))).toEqual({ sub: 'security-test', role: 'operator', exp: expect.any(Number) });
    expect(createTokenVerifier(config)(signToken(config, { sub: 'cli', role: 'viewer' }))).toEqual({ sub: 'cli', role: 'viewer', exp: expect.any(Number) });
  });

  it('refuses algorithm confusion: HS256 signed with the public key as the secret', () => {
    const publicPem = pemOf(alg === 'RS256' ? rsaPair.publicKey : ecPair.publicKey);
    expect(refusal(config, craftToken({ alg: 'HS256' }, claimsFor(config), hmac(publicPem)))).toMatch(`accepts ${alg} only`);
  });

  it('refuses alg none, another key, and a wrong audience', () => {
    expect(refusal(config, craftToken({ alg: 'none' }, claimsFor(config), unsigned))).toMatch(/"none" is refused/);
    const other = alg === 'RS256' ? rsa(rsaKeys().privateKey) : ecdsa(ecKeys().privateKey);
    expect(refusal(config, craftToken({ alg }, claimsFor(config), other))).toMatch(/signature/);
    expect(refusal(config, craftToken({ alg }, claimsFor(config, { aud: 'elsewhere' }), signer))).toMatch(/aud/);
  });
});

describe('RS256 with a JWKS file', () => {
  const verify = createTokenVerifier(jwks);

  it('picks the key by kid, so tokens of the old and the new key both verify during a rotation', () => {
    expect(verify(craftToken({ alg: 'RS256', kid: 'old' }, claimsFor(jwks, { sub: 'old' }), rsa(rsaPair.privateKey))).sub).toBe('old');
    expect(verify(craftToken({ alg: 'RS256', kid: 'new' }, claimsFor(jwks, { sub: 'new' }), rsa(newPair.privateKey))).sub).toBe('new');
  });

  it('refuses a token of one key that names the other, an unknown kid, and no kid at all', () => {
    expect(refusal(jwks, craftToken({ alg: 'RS256', kid: 'new' }, claimsFor(jwks), rsa(rsaPair.privateKey)))).toMatch(/signature/);
    expect(refusal(jwks, craftToken({ alg: 'RS256', kid: 'gone' }, claimsFor(jwks), rsa(rsaPair.privateKey)))).toMatch(/kid/);
    expect(refusal(jwks, craftToken({ alg: 'RS256' }, claimsFor(jwks), rsa(rsaPair.privateKey)))).toMatch(/kid/);
  });

  it('signToken finds the kid of the private key in the set', () => {
    const token = signToken(jwks, { sub: 'cli', role: 'operator' });
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid).toBe('new');
    expect(verify(token)).toEqual({ sub: 'cli', role: 'operator', exp: expect.any(Number) });
  });
});
