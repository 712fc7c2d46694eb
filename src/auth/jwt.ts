// JWT rules shared by the REST API, the Socket.IO handshake and `selfheal token`: the algorithm is pinned (so
// `alg: none` and HS256-signed-with-the-public-key are refused before any key is used), exp/sub/role/iss/aud are
// required, iss and aud must match, clock skew is bounded, and the role must be one we know.
import { readFileSync } from 'node:fs';
import { createDecoder, createSigner, createVerifier, type VerifierOptions } from 'fast-jwt';
import type { FastifyJWTOptions } from '@fastify/jwt';
import type { Config } from '../config';
import { KeyConfigError, loadVerificationKeys } from './keys';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Each role may do what the roles before it may. */
export function roleAllows(actual: Role, needed: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(needed);
}

export interface TokenClaims {
  sub: string;
  role: Role;
  /** Seconds since the epoch: when the token expires (sockets are disconnected then). */
  exp?: number;
  /**
   * Scoped tokens: the services (glob patterns, `*` any run of characters) the token covers. Absent: every service.
   * An admin token sees every service whatever it says.
   */
  services?: string[];
}

/** A token that must not be accepted; the message says why, for the 401 body and the log. */
export class TokenRejectedError extends Error {
  override name = 'TokenRejectedError';
}

/** Longer tokens are refused before any parsing (ours are ~300 characters). */
export const MAX_TOKEN_LENGTH = 8192;
const MAX_SUBJECT_LENGTH = 200;
const REQUIRED_CLAIMS = ['exp', 'sub', 'role', 'iss', 'aud'];
export const MAX_SCOPE_PATTERNS = 50;
export const SCOPE_PATTERN = /^[A-Za-z0-9*][A-Za-z0-9_.*-]{0,62}$/;

function verifyOptions(jwt: Config['jwt']) {
  return {
    algorithms: [jwt.algorithm] as VerifierOptions['algorithms'],
    allowedIss: jwt.issuer,
    allowedAud: jwt.audience,
    clockTolerance: jwt.clockSkewSeconds * 1000,
    requiredClaims: REQUIRED_CLAIMS,
  };
}

function claimsOf(payload: Record<string, unknown>): TokenClaims {
  const { sub, role } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) {
    throw new TokenRejectedError(`the sub claim must be a string of 1 to ${MAX_SUBJECT_LENGTH} characters`);
  }
  if (!(ROLES as readonly unknown[]).includes(role)) throw new TokenRejectedError(`the role claim must be one of ${ROLES.join(', ')}`);
  const { exp, services } = payload;
  if (services !== undefined) {
    if (!Array.isArray(services) || services.length === 0 || services.length > MAX_SCOPE_PATTERNS || !services.every((s) => typeof s === 'string' && SCOPE_PATTERN.test(s))) {
      throw new TokenRejectedError(`the services claim must list 1 to ${MAX_SCOPE_PATTERNS} service names or patterns (letters, digits, _ . - and *)`);
    }
  }
  return { sub, role: role as Role, ...(typeof exp === 'number' ? { exp } : {}), ...(services !== undefined ? { services: services as string[] } : {}) };
}

export type TokenVerifier = (token: string) => TokenClaims;

/** A synchronous verifier for this configuration; throws TokenRejectedError, or KeyConfigError at creation. */
export function createTokenVerifier(config: Config): TokenVerifier {
  const { jwt } = config;
  const keys = loadVerificationKeys(jwt);
  const decodeComplete = createDecoder({ complete: true });
  const verifiers = new Map<string, (token: string) => Record<string, unknown>>();
  const verifierFor = (key: string) => {
    let verify = verifiers.get(key);
    if (!verify) {
      verify = createVerifier({ key, ...verifyOptions(jwt) }) as (token: string) => Record<string, unknown>;
      verifiers.set(key, verify);
    }
    return verify;
  };
  return (token) => {
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenRejectedError(`the token is longer than ${MAX_TOKEN_LENGTH} characters`);
    let header: Record<string, unknown>;
    try {
      header = (decodeComplete(token) as { header: Record<string, unknown> }).header;
    } catch (err) {
      throw new TokenRejectedError((err as Error).message);
    }
    if (header.alg !== jwt.algorithm) {
      throw new TokenRejectedError(`algorithm ${JSON.stringify(String(header.alg).slice(0, 20))} is refused; this API accepts ${jwt.algorithm} only`);
    }
    const key = keys.select(header.kid);
    if (key === null) throw new TokenRejectedError("no key of the key set matches the token's kid");
    let payload: Record<string, unknown>;
    try {
      payload = verifierFor(key)(token);
    } catch (err) {
      throw new TokenRejectedError((err as Error).message);
    }
    return claimsOf(payload);
  };
}

function readPrivateKey(file: string | undefined): string {
  if (!file) throw new KeyConfigError('JWT_PRIVATE_KEY_FILE is not configured (needed to mint tokens)');
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new KeyConfigError(`JWT_PRIVATE_KEY_FILE ${file}: ${(err as Error).message}`);
  }
}

/**
 * @fastify/jwt options with the same rules. In JWKS mode the key is chosen per token by `kid`, which makes
 * @fastify/jwt's own verification asynchronous; the auth plugin therefore verifies through createTokenVerifier.
 */
export function jwtPluginOptions(config: Config): FastifyJWTOptions {
  const { jwt } = config;
  const keys = loadVerificationKeys(jwt);
  const privateKey = jwt.algorithm !== 'HS256' && jwt.privateKeyFile ? readPrivateKey(jwt.privateKeyFile) : undefined;
  const secret: FastifyJWTOptions['secret'] =
    jwt.algorithm === 'HS256'
      ? jwt.secret!
      : {
          public: jwt.jwksFile
            ? (_request, token, callback) => {
                const key = keys.select('header' in token ? token.header.kid : undefined);
                callback(key === null ? new TokenRejectedError("no key of the key set matches the token's kid") : null, key ?? undefined);
              }
            : keys.select(undefined)!,
          ...(privateKey ? { private: privateKey } : {}),
        };
  return {
    secret,
    ...(jwt.jwksFile ? { decode: { complete: true } } : {}),
    sign: { algorithm: jwt.algorithm, iss: jwt.issuer, aud: jwt.audience, expiresIn: jwt.ttlSeconds * 1000 },
    verify: verifyOptions(jwt),
  };
}

/** Signs a token valid for this configuration (the local secret, or the private key file with RS256/ES256). */
export function signToken(config: Config, claims: TokenClaims, ttlSeconds = config.jwt.ttlSeconds): string {
  const { jwt } = config;
  const key = jwt.algorithm === 'HS256' ? jwt.secret! : readPrivateKey(jwt.privateKeyFile);
  let kid: string | undefined;
  if (jwt.jwksFile) {
    kid = loadVerificationKeys(jwt).kidOf(key);
    if (kid === undefined) throw new KeyConfigError(`the public half of JWT_PRIVATE_KEY_FILE is not in JWT_JWKS_FILE ${jwt.jwksFile}`);
  }
  const sign = createSigner({ key, algorithm: jwt.algorithm, iss: jwt.issuer, aud: jwt.audience, expiresIn: ttlSeconds * 1000, ...(kid ? { kid } : {}) });
  return sign({ sub: claims.sub, role: claims.role, ...(claims.services ? { services: claims.services } : {}) });
}
