// JWT settings shared by the REST API, the Socket.IO handshake and `selfheal token`: the algorithm is pinned,
// exp/sub/role are required, iss and aud are checked, clock skew is bounded.
import { readFileSync } from 'node:fs';
import { createSigner } from 'fast-jwt';
import type { FastifyJWTOptions } from '@fastify/jwt';
import type { Config } from '../config';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Each role may do what the roles before it may. */
export function roleAllows(actual: Role, needed: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(needed);
}

export interface TokenClaims {
  sub: string;
  role: Role;
}

function readKey(file: string | undefined, what: string): string {
  if (!file) throw new Error(`${what} is not configured`);
  return readFileSync(file, 'utf8');
}

export function jwtPluginOptions(config: Config): FastifyJWTOptions {
  const { jwt } = config;
  const secret =
    jwt.algorithm === 'HS256'
      ? jwt.secret!
      : { public: readKey(jwt.publicKeyFile, 'JWT_PUBLIC_KEY_FILE'), ...(jwt.privateKeyFile ? { private: readKey(jwt.privateKeyFile, 'JWT_PRIVATE_KEY_FILE') } : {}) };
  return {
    secret,
    sign: { algorithm: jwt.algorithm, iss: jwt.issuer, aud: jwt.audience, expiresIn: jwt.ttlSeconds * 1000 },
    verify: {
      algorithms: [jwt.algorithm],
      allowedIss: jwt.issuer,
      allowedAud: jwt.audience,
      clockTolerance: jwt.clockSkewSeconds * 1000,
      requiredClaims: ['exp', 'sub', 'role', 'iss', 'aud'],
    },
  };
}

/** Signs a token valid for this configuration (the local secret, or the private key file in production). */
export function signToken(config: Config, claims: TokenClaims, ttlSeconds = config.jwt.ttlSeconds): string {
  const { jwt } = config;
  const key = jwt.algorithm === 'HS256' ? jwt.secret! : readKey(jwt.privateKeyFile, 'JWT_PRIVATE_KEY_FILE (needed to mint tokens)');
  const sign = createSigner({ key, algorithm: jwt.algorithm, iss: jwt.issuer, aud: jwt.audience, expiresIn: ttlSeconds * 1000 });
  return sign({ sub: claims.sub, role: claims.role });
}
