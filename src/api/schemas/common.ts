import { Type, type TSchema } from '@sinclair/typebox';

export const ServiceName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$', description: 'letters, digits, _ . -; at most 63' });
export const MetricName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$', description: 'a metric name, at most 128 characters' });
export const ContainerRef = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$', description: 'container id, id prefix or name' });
export const QueueName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$', description: 'a RabbitMQ queue name' });
export const IdentifierName = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' });
/** Finite and bounded: JSON numbers past ±1e15 (and 1e400, which parses to Infinity) are refused. */
export const MetricValue = Type.Number({ minimum: -1e15, maximum: 1e15 });
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

/** Error replies every authenticated route may give. */
export function withErrors<T extends Record<number, TSchema>>(ok: T) {
  return { ...ok, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 429: ErrorReply, 500: ErrorReply };
}

export function strict<T extends Parameters<typeof Type.Object>[0]>(props: T, description?: string) {
  return Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });
}
