// The named verifiers a heal request may ask for, with their parameters. Each verifier is one object schema whose
// `name` picks its `params` (if/then per name) rather than a union of shapes: a union fails with "name must be equal
// to constant" whatever was wrong, while this names the field at fault: an unknown `verify.0.name` (listing the known
// ones) or a bad `verify.0.params.timeout_ms`.
import { Type, type TSchema } from '@sinclair/typebox';
import type { VerifierSpec } from '../../domain/heal';
import { MetricName, strict } from './common';

const LEAF_PARAMS: Record<string, TSchema> = {
  container_health: strict({ hold_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 3600, description: 'running and healthy for this long' })) }),
  http_probe: strict({
    url: Type.String({ maxLength: 2048, description: 'under a VERIFY_HTTP_ALLOWLIST prefix' }),
    expect_status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 30_000 })),
  }),
  metric_recheck: strict({
    metrics: Type.Array(MetricName, { minItems: 1, maxItems: 20 }),
    k: Type.Optional(Type.Number({ minimum: 0.5, maximum: 20, description: 'within k·σ of the baseline' })),
    intervals: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'fresh analyses that must all be within k·σ' })),
  }),
};
/** Verifiers whose params may be left out. */
const PARAMS_OPTIONAL = new Set(['container_health']);

function namedVerifier(paramsByName: Record<string, TSchema>, description: string) {
  const names = Object.keys(paramsByName);
  return Type.Unsafe<VerifierSpec>({
    type: 'object',
    description,
    additionalProperties: false,
    required: ['name'],
    properties: { name: { type: 'string', enum: names }, params: { type: 'object' } },
    allOf: names.map((name) => ({
      if: { properties: { name: { const: name } }, required: ['name'] },
      then: { ...(PARAMS_OPTIONAL.has(name) ? {} : { required: ['params'] }), properties: { params: paramsByName[name] } },
    })),
  });
}

const LeafVerifier = namedVerifier(LEAF_PARAMS, 'a server-side verifier by name, with its parameters');
const composite = strict({ verifiers: Type.Array(LeafVerifier, { minItems: 1, maxItems: 10 }) });

/** A leaf verifier, or `all` / `any` over leaf verifiers. */
export const Verifier = namedVerifier({ ...LEAF_PARAMS, all: composite, any: composite }, 'a server-side verifier by name, with its parameters; all and any combine others');
