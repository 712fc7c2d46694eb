// One error handler: validation errors and AppErrors become 4xx naming the field and the reason; Temporal's
// "not found" and "already started" become 404 and 409; anything else is logged and answered with a generic 500.
import fp from 'fastify-plugin';
import type { FastifyError } from 'fastify';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { AppError } from '../../errors';

interface ValidationIssue {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

function fieldOf(issue: ValidationIssue, context: string | undefined): string {
  const path = issue.instancePath.split('/').filter(Boolean).join('.');
  const extra = (issue.params.missingProperty ?? issue.params.additionalProperty) as string | undefined;
  return [context, path, extra].filter(Boolean).join('.') || context || 'body';
}

export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError & { validationContext?: string }, request, reply) => {
      if (error.validation) {
        const issue = error.validation[0] as ValidationIssue;
        const field = fieldOf(issue, error.validationContext);
        const reason = issue.params.additionalProperty ? 'unknown field' : (issue.message ?? 'invalid');
        return reply.code(400).send({ error: 'validation_error', field, reason, message: `${field}: ${reason}` });
      }
      if (error instanceof AppError) {
        return reply.code(error.statusCode).send({ error: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), ...error.details });
      }
      if (error instanceof WorkflowNotFoundError) {
        return reply.code(404).send({ error: 'not_found', message: 'no such heal or analysis' });
      }
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        return reply.code(409).send({ error: 'conflict', message: error.message });
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        return reply.code(status).send({ error: error.code ?? 'bad_request', message: error.message });
      }
      request.log.error({ err: error }, 'unhandled error');
      return reply.code(500).send({ error: 'internal_error', message: 'internal error; see the server log with this request id', request_id: request.id });
    });
    app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }));
  },
  { name: 'errors' },
);
