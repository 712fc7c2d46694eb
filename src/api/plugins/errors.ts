// One error handler: validation errors and AppErrors become 4xx naming the field and the reason; Temporal's
// "not found" and "already started" become 404 and 409; anything else is logged and answered with a generic 500.
// Unknown paths are 404, known paths asked with another method 405.
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isGrpcServiceError, ServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { isRetryableError, Neo4jError } from 'neo4j-driver';
import { AppError } from '../../errors';
import { describeValidation, type ValidationIssue } from '../schemas/validation-errors';

/** Fastify's own 4xx codes, as the API's snake_case error names. */
const FASTIFY_ERRORS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

const GRPC_UNAVAILABLE = 14;

/** Which dependency is briefly out of reach (Neo4j or Temporal restarting), if that is what the error says. */
function unavailableDependency(error: unknown): string | null {
  // A pool that timed out acquiring a connection is Neo4j out of reach too, though the driver does not mark it retryable.
  if (error instanceof Neo4jError && (isRetryableError(error) || error.message.startsWith('Connection acquisition timed out'))) return 'the audit store (Neo4j)';
  if (error instanceof ServiceError && isGrpcServiceError(error.cause) && error.cause.code === GRPC_UNAVAILABLE) return 'Temporal';
  return null;
}

/** A route URL such as /heal/:id as a regular expression over request paths. */
function routePattern(url: string): RegExp {
  const escaped = url.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/:[^/]+/g, '[^/]+')}$`);
}

export default fp(
  async (app) => {
    // A known path asked with a method it does not serve is a 405 naming the methods it does (RFC 9110), not a 404.
    const routes: { method: string; path: RegExp }[] = [];
    app.addHook('onRoute', (route) => {
      // Catch-all routes (the CORS preflight's OPTIONS *) would make every unknown path a 405.
      if (route.url.includes('*')) return;
      const path = routePattern(route.url);
      for (const method of [route.method].flat()) routes.push({ method, path });
    });
    const unrouted = (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0]!;
      const allowed = [...new Set(routes.filter((r) => r.path.test(path)).map((r) => r.method))];
      if (allowed.length > 0) {
        return reply.code(405).header('allow', allowed.join(', ')).send({ error: 'method_not_allowed', message: `${request.method} is not served on ${path}; allowed: ${allowed.join(', ')}` });
      }
      return reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${path}` });
    };
    app.setErrorHandler((error: FastifyError & { validationContext?: string }, request, reply) => {
      // Fastify checks a request's body before it routes it to the not-found handler (a QUERY without Content-Type is
      // refused first): a method or path the API does not serve is still a 405 or 404, whatever its body.
      if (request.is404) return unrouted(request, reply);
      if (error.validation) {
        const { field, reason } = describeValidation(error.validation as ValidationIssue[], error.validationContext);
        return reply.code(400).send({ error: 'validation_error', field, reason, message: `${field}: ${reason}` });
      }
      if (error instanceof AppError) {
        if (error.statusCode === 503) reply.header('retry-after', '5');
        return reply.code(error.statusCode).send({ error: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), ...error.details });
      }
      if (error instanceof WorkflowNotFoundError) {
        return reply.code(404).send({ error: 'not_found', message: 'no such heal or analysis' });
      }
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        return reply.code(409).send({ error: 'conflict', message: error.message });
      }
      const dependency = unavailableDependency(error);
      if (dependency) {
        request.log.warn({ err: error }, `${dependency} unavailable`);
        return reply.code(503).header('retry-after', '5').send({ error: 'unavailable', message: `${dependency} is unavailable; retry shortly` });
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        return reply.code(status).send({ error: FASTIFY_ERRORS[error.code] ?? error.code ?? 'bad_request', message: error.message });
      }
      request.log.error({ err: error }, 'unhandled error');
      return reply.code(500).send({ error: 'internal_error', message: 'internal error; see the server log with this request id', request_id: request.id });
    });
    app.setNotFoundHandler(unrouted);
  },
  { name: 'errors' },
);
