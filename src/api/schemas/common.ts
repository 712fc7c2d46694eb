// Shared request fields and error replies. Names are ASCII with a fixed alphabet and length, so a hostile name
// (Cypher, shell, path traversal, unicode look-alikes) is a 400 naming the field before it reaches any store.
import { Type, type TSchema } from '@sinclair/typebox';

export const ServiceName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$', description: 'letters, digits, _ . -; at most 63' });
export const MetricName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$', description: 'a metric name, at most 128 characters' });
/**
 * Docker resolves a reference by id, then name, then id prefix: a short all-hex reference such as "a" could select
 * whichever container's id starts with it, outside what the caller meant to allow. Hence: a name with a character
 * outside [0-9a-f], or at least 12 characters (a short id or longer).
 */
export const ContainerRef = Type.String({
  pattern: '^(?:[A-Za-z0-9][A-Za-z0-9_.-]{11,127}|(?:[0-9a-f]+[g-zA-Z_.-]|[g-zA-Z])[A-Za-z0-9_.-]*)$',
  maxLength: 128,
  description: 'container name, or an id of at least 12 hex characters (short hex strings are ambiguous id prefixes)',
});
/** Anything a diagnosis names as impacted: a service, a queue or a container. */
export const ComponentName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$', description: 'a service, queue or container name' });
export const QueueName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$', description: 'a RabbitMQ queue name' });
export const IdentifierName = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' });
/** Finite and bounded: JSON numbers past ±1e15 (and 1e400, which parses to Infinity) are refused. */
export const MetricValue = Type.Number({ minimum: -1e15, maximum: 1e15 });
/** Query strings stay strings (the validator does not coerce types), so the page size is a numeral from 1 to 1000. */
export const PageLimit = Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$', description: 'page size, 1 to 1000; default 50' });
export const WorkflowIdParam = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$' }) },
  { additionalProperties: false },
);

export const ErrorReply = Type.Object({
  error: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  request_id: Type.Optional(Type.String()),
});

/** A plain-text 200 (GET /metrics), documented with its real media type. */
export const PrometheusText = Type.Unsafe<string>({ description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } });

/** Error replies every authenticated route may give (413 and 415 only where there is a body; 503 while Neo4j or Temporal is out of reach). */
export function withErrors<T extends Record<number, TSchema>>(ok: T) {
  return { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 413: ErrorReply, 415: ErrorReply, 429: ErrorReply, 500: ErrorReply, 503: ErrorReply, ...ok };
}

export function strict<T extends Parameters<typeof Type.Object>[0]>(props: T, description?: string) {
  return Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });
}
