// Authentication (a bearer JWT, checked by src/auth/jwt.ts) and role authorisation: 401 for a missing or invalid
// token, 403 for a role below the route's. The check runs once per request and is remembered, because the rate
// limiter keys on the token's subject before the route's own hook runs.
import fp from 'fastify-plugin';
import fastifyJwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config';
import { createTokenVerifier, jwtPluginOptions, roleAllows, TokenRejectedError, type Role, type TokenClaims } from '../../auth/jwt';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

export type TokenCheck = { claims: TokenClaims } | { refused: string };

declare module 'fastify' {
  interface FastifyInstance {
    /** The request's bearer token, verified (once per request). */
    authenticate(request: FastifyRequest): TokenCheck;
    /** onRequest hook that requires a valid token whose role is at least `role`. */
    authorize(role: Role): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

const MISSING = 'missing bearer token';
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

export default fp(
  async (app, opts: { config: Config }) => {
    const verifyToken = createTokenVerifier(opts.config);
    await app.register(fastifyJwt, jwtPluginOptions(opts.config));
    // The Socket.IO handshake verifies through fastify.jwt.verify: route it through the same synchronous verifier
    // (with a JWKS file, @fastify/jwt's own would return a promise there).
    app.jwt.verify = ((token: string) => verifyToken(token)) as typeof app.jwt.verify;

    const checks = new WeakMap<FastifyRequest, TokenCheck>();
    const check = (request: FastifyRequest): TokenCheck => {
      const header = request.headers.authorization;
      if (header === undefined) return { refused: MISSING };
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) return { refused: 'the authorization header must be "Bearer <token>"' };
      try {
        return { claims: verifyToken(token) };
      } catch (err) {
        if (err instanceof TokenRejectedError) return { refused: `invalid token: ${err.message}` };
        throw err;
      }
    };

    app.decorate('authenticate', (request: FastifyRequest): TokenCheck => {
      let result = checks.get(request);
      if (!result) {
        result = check(request);
        checks.set(request, result);
      }
      return result;
    });

    // Each route's required role is published in the OpenAPI document as x-required-role (docs and the auth matrix test).
    const requiredRoles = new WeakMap<object, Role>();
    app.addHook('onRoute', (route) => {
      const hooks = [route.onRequest ?? []].flat();
      const role = hooks.map((hook) => requiredRoles.get(hook)).find((r) => r !== undefined);
      if (role) route.schema = { ...route.schema, 'x-required-role': role } as typeof route.schema;
    });

    app.decorate('authorize', (role: Role) => {
      const hook = async (request: FastifyRequest, reply: FastifyReply) => {
        const result = app.authenticate(request);
        if ('refused' in result) {
          // RFC 6750: no error code when no credentials were sent at all.
          return reply
            .code(401)
            .header('www-authenticate', result.refused === MISSING ? 'Bearer realm="selfheal"' : 'Bearer realm="selfheal", error="invalid_token"')
            .send({ error: 'unauthorized', message: result.refused });
        }
        if (!roleAllows(result.claims.role, role)) {
          return reply
            .code(403)
            .header('www-authenticate', 'Bearer realm="selfheal", error="insufficient_scope"')
            .send({ error: 'forbidden', message: `role ${result.claims.role} may not do this; it needs ${role} or above` });
        }
        request.user = result.claims;
      };
      requiredRoles.set(hook, role);
      return hook;
    });
  },
  { name: 'auth' },
);
