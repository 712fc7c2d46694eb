// The keys tokens are verified with: the HS256 secret (local use), one PEM public key, or a local JWKS file whose
// keys tokens pick by `kid` (key rotation without a restart of the issuer). Each key must suit the pinned algorithm,
// so a key of the wrong type fails at startup rather than at the first request.
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config, JwtAlgorithm } from '../config';

export class KeyConfigError extends Error {
  override name = 'KeyConfigError';
}

export interface VerificationKeys {
  /** The secret or public key (PEM) for a token's `kid` header; null when none of the set fits it. */
  select(kid: unknown): string | null;
  /** The `kid` under which the public half of this private key is listed (JWKS only), for signing. */
  kidOf(privateKeyPem: string): string | undefined;
}

const MIN_RSA_BITS = 2048;

/** Why this public key cannot verify `algorithm`, or null when it can. */
function keyProblem(key: KeyObject, algorithm: JwtAlgorithm): string | null {
  if (algorithm === 'RS256') {
    if (key.asymmetricKeyType !== 'rsa') return `RS256 needs an RSA key, not ${key.asymmetricKeyType}`;
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return bits < MIN_RSA_BITS ? `RSA key of ${bits} bits; at least ${MIN_RSA_BITS} needed` : null;
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    return `ES256 needs an EC key on P-256, not ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim();
  }
  return null;
}

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new KeyConfigError(`${what} ${file}: ${(err as Error).message}`);
  }
}

function publicKeyFromPem(file: string, algorithm: JwtAlgorithm): KeyObject {
  const pem = read(file, 'JWT_PUBLIC_KEY_FILE');
  // createPublicKey would accept a private key too; the API must never hold one.
  if (/PRIVATE KEY-----/.test(pem)) throw new KeyConfigError(`JWT_PUBLIC_KEY_FILE ${file} holds a private key; give the public key`);
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new KeyConfigError(`JWT_PUBLIC_KEY_FILE ${file} is not a PEM public key: ${(err as Error).message}`);
  }
  const problem = keyProblem(key, algorithm);
  if (problem) throw new KeyConfigError(`JWT_PUBLIC_KEY_FILE ${file}: ${problem}`);
  return key;
}

/** The JWKS file's signing keys for `algorithm`, by kid (keys for other uses or algorithms are skipped). */
function keysFromJwks(file: string, algorithm: JwtAlgorithm): Map<string, KeyObject> {
  let doc: { keys?: unknown };
  try {
    doc = JSON.parse(read(file, 'JWT_JWKS_FILE')) as { keys?: unknown };
  } catch (err) {
    throw err instanceof KeyConfigError ? err : new KeyConfigError(`JWT_JWKS_FILE ${file} is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc.keys)) throw new KeyConfigError(`JWT_JWKS_FILE ${file}: expected {"keys": [...]}`);
  const keys = new Map<string, KeyObject>();
  const usable = (doc.keys as JsonWebKey[]).filter((jwk) => (jwk.use === undefined || jwk.use === 'sig') && (jwk.alg === undefined || jwk.alg === algorithm));
  usable.forEach((jwk, i) => {
    const where = `JWT_JWKS_FILE ${file}, key ${typeof jwk.kid === 'string' ? JSON.stringify(jwk.kid) : `#${i}`}`;
    if (jwk.d !== undefined) throw new KeyConfigError(`${where} holds private key material ("d"); publish public keys only`);
    const kid = typeof jwk.kid === 'string' && jwk.kid.length > 0 ? jwk.kid : usable.length === 1 ? '' : null;
    if (kid === null) throw new KeyConfigError(`${where}: every key needs a "kid" when the set has several`);
    if (keys.has(kid)) throw new KeyConfigError(`${where}: duplicate kid`);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk, format: 'jwk' });
    } catch (err) {
      throw new KeyConfigError(`${where} is not a valid JWK: ${(err as Error).message}`);
    }
    const problem = keyProblem(key, algorithm);
    if (problem) throw new KeyConfigError(`${where}: ${problem}`);
    keys.set(kid, key);
  });
  if (keys.size === 0) throw new KeyConfigError(`JWT_JWKS_FILE ${file} has no signing key for ${algorithm}`);
  return keys;
}

const pemOf = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

export function loadVerificationKeys(jwt: Config['jwt']): VerificationKeys {
  if (jwt.algorithm === 'HS256') {
    const secret = jwt.secret!;
    return { select: () => secret, kidOf: () => undefined };
  }
  if (jwt.publicKeyFile) {
    const pem = pemOf(publicKeyFromPem(jwt.publicKeyFile, jwt.algorithm));
    return { select: () => pem, kidOf: () => undefined };
  }
  const keys = keysFromJwks(jwt.jwksFile!, jwt.algorithm);
  const pems = new Map([...keys].map(([kid, key]) => [kid, pemOf(key)]));
  return {
    select(kid) {
      if (kid === undefined && pems.size === 1) return [...pems.values()][0]!;
      return typeof kid === 'string' ? (pems.get(kid) ?? null) : null;
    },
    kidOf(privateKeyPem) {
      const pub = createPublicKey(privateKeyPem);
      return [...keys].find(([, key]) => key.equals(pub))?.[0];
    },
  };
}
