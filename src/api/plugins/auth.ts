// JWT authentication (@fastify/jwt with a pinned algorithm, iss/aud/exp checked) and role authorisation.
import fp from 'fastify-plugin';
import fastifyJwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config';
import { jwtPluginOptions, roleAllows, ROLES, type Role } from '../../auth/jwt';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string; role: Role };
    user: { sub: string; role: Role };
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler that requires a valid token whose role is at least `role`. */
    authorize(role: Role): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

export default fp(
  async (app, opts: { config: Config }) => {
    await app.register(fastifyJwt, jwtPluginOptions(opts.config));
    app.decorate('authorize', (role: Role) => async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        await request.jwtVerify();
      } catch (err) {
        return reply.code(401).send({ error: 'unauthorized', message: `invalid or missing token: ${(err as Error).message}` });
      }
      const actual = request.user.role;
      if (!ROLES.includes(actual)) {
        return reply.code(401).send({ error: 'unauthorized', message: 'token has no valid role claim' });
      }
      if (!roleAllows(actual, role)) {
        return reply.code(403).send({ error: 'forbidden', message: `role ${actual} may not do this; needs ${role}` });
      }
    });
  },
  { name: 'auth' },
);
