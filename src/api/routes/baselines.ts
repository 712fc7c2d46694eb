// GET /api/self_healing/baselines?service=: each metric's current baseline as a band, for the dashboard's charts.
// The band is what the detector itself would forecast for the service's next sample (expected ± k·σ, k the medium
// severity threshold), obtained by asking the detector on a copy of the stored state, so no forecasting maths is
// repeated here.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AnalysisStore } from '../../adapters/ports';
import type { Config } from '../../config';
import { detectorFor } from '../../domain/analysis';
import { parseBaselineState, type Detector } from '../../domain/detection';
import { ServiceName, strict, withErrors } from '../schemas/common';
import { assertServiceNamed } from '../scope-guard';

export type BaselineReader = Pick<AnalysisStore, 'getBaselines'>;

const BaselineBand = strict({
  metric: Type.String(),
  expected: Type.Number(),
  std: Type.Number(),
  lower: Type.Number(),
  upper: Type.Number(),
  samples: Type.Integer(),
  last_at: Type.Union([Type.Integer(), Type.Null()]),
  warming_up: Type.Boolean(),
});
const BaselinesReply = strict({ service: Type.String(), k: Type.Number(), baselines: Type.Array(BaselineBand) });

type Band = (typeof BaselineBand)['static'];

/** The forecast for the next sample, one usual interval after the last; null for a state the detector cannot read. */
export function baselineBand(detector: Detector, metric: string, stored: unknown, k: number): Band | null {
  const state = parseBaselineState(stored);
  if (!state || state.count === 0 || state.lastAt === null) return null;
  const at = state.lastAt + Math.max(state.interval, 1);
  const { result } = detector.update(state, metric, state.level, at);
  if (!result.accepted) return null;
  return {
    metric,
    expected: result.expected,
    std: result.std,
    lower: result.expected - k * result.std,
    upper: result.expected + k * result.std,
    samples: state.count,
    last_at: state.lastAt,
    warming_up: result.warmingUp,
  };
}

export const baselineRoutes: FastifyPluginAsyncTypebox<{ config: Config; baselines: BaselineReader }> = async (app, { config, baselines }) => {
  const detector = detectorFor(config.detection);
  const k = config.detection.mediumZ;
  app.get(
    '/baselines',
    {
      onRequest: app.authorize('viewer'),
      schema: {
        tags: ['audit'],
        summary: "A service's current baseline per metric: expected value and band (expected ± k·σ, k = the medium threshold)",
        querystring: strict({ service: ServiceName }),
        response: withErrors({ 200: BaselinesReply }),
      },
    },
    async (request) => {
      const { service } = request.query;
      assertServiceNamed(request.user, service);
      const states = await baselines.getBaselines(service);
      const bands = Object.entries(states)
        .map(([metric, stored]) => baselineBand(detector, metric, stored, k))
        .filter((band): band is Band => band !== null)
        .sort((a, b) => a.metric.localeCompare(b.metric));
      return { service, k, baselines: bands };
    },
  );
};
