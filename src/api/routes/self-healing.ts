// /api/self_healing: analyze, heal (dry run by default), heal status, approval, cancel, strategies, learning.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { LearningStore } from '../../adapters/ports';
import { learningStats } from '../../domain/learning';
import { listStrategies } from '../../domain/strategies';
import type { SelfHealingApi } from '../self-healing-api';
import { ErrorReply, WorkflowIdParam, withErrors } from '../schemas/common';
import {
  AnalyzeReply,
  CancelReply,
  ConflictReply,
  HealDecisionReply,
  HealDryRunReply,
  HealRefusedReply,
  HealStartedReply,
  HealStatusReply,
  LearningReply,
  StrategiesReply,
} from '../schemas/responses';
import { AnalyzeBody, AnalyzeHeaders, CancelBody, DecisionBody, HealBody, RunQuery } from '../schemas/self-healing';

export interface SelfHealingRoutesOptions {
  api: SelfHealingApi;
  learning: LearningStore;
}

/** The person behind a request, as the heal API records and scopes them. */
export const actor = (request: { user: { sub: string; role: 'viewer' | 'operator' | 'admin'; services?: string[] }; id: string }) => ({
  sub: request.user.sub,
  requestId: request.id,
  role: request.user.role,
  scope: { role: request.user.role, ...(request.user.services ? { services: request.user.services } : {}) },
});

export const selfHealingRoutes: FastifyPluginAsyncTypebox<SelfHealingRoutesOptions> = async (app, { api, learning }) => {

  app.post(
    '/analyze',
    {
      onRequest: app.authorize('operator'),
      schema: {
        tags: ['self_healing'],
        summary: 'Detect anomalies against adaptive baselines and diagnose',
        description: 'Send an Idempotency-Key header to make a retry (after a 503 or a lost answer) return the first result instead of analysing the sample again.',
        headers: AnalyzeHeaders,
        body: AnalyzeBody,
        response: withErrors({ 200: AnalyzeReply, 503: ErrorReply }),
      },
    },
    async (request) => api.analyze(request.body, actor(request), request.headers['idempotency-key']),
  );

  app.post(
    '/heal',
    {
      onRequest: app.authorize('operator'),
      schema: {
        tags: ['self_healing'],
        summary: 'Select a strategy and plan (dry run, the default) or apply a heal',
        body: HealBody,
        response: withErrors({ 200: HealDryRunReply, 202: HealStartedReply, 409: ConflictReply, 422: HealRefusedReply }),
      },
    },
    async (request, reply) => {
      const started = await api.heal(request.body, actor(request));
      return reply.code(started.status).send(started.body);
    },
  );

  app.get(
    '/heal/:id',
    {
      onRequest: app.authorize('viewer'),
      schema: { tags: ['self_healing'], summary: 'Live progress of a heal (workflow query)', params: WorkflowIdParam, querystring: RunQuery, response: withErrors({ 200: HealStatusReply, 404: ErrorReply }) },
    },
    async (request) => api.status(request.params.id, request.query.run_id, actor(request)),
  );

  for (const [path, approve] of [['approve', true], ['reject', false]] as const) {
    app.post(
      `/heal/:id/${path}`,
      {
        onRequest: app.authorize('operator'),
        schema: { tags: ['self_healing'], summary: `${approve ? 'Approve' : 'Reject'} a heal that waits for a person`, params: WorkflowIdParam, body: Type.Optional(DecisionBody), response: withErrors({ 200: HealDecisionReply, 404: ErrorReply, 409: ConflictReply }) },
      },
      async (request) => api.decide(request.params.id, approve, actor(request), request.body?.comment, request.body?.override_reason),
    );
  }

  app.post(
    '/heal/:id/cancel',
    {
      onRequest: app.authorize('operator'),
      schema: { tags: ['self_healing'], summary: 'Cancel a running heal (applied steps are rolled back)', params: WorkflowIdParam, body: Type.Optional(CancelBody), response: withErrors({ 202: CancelReply, 404: ErrorReply, 409: ConflictReply }) },
    },
    async (request, reply) => {
      await api.cancel(request.params.id, actor(request), request.body?.reason ?? 'cancelled through the API');
      return reply.code(202).send({ workflow_id: request.params.id, status: 'cancel_requested' });
    },
  );

  app.get(
    '/strategies',
    { onRequest: app.authorize('viewer'), schema: { tags: ['self_healing'], summary: 'The strategy library', response: withErrors({ 200: StrategiesReply }) } },
    async () => ({ strategies: [...listStrategies()] }),
  );

  app.get(
    '/learning',
    {
      onRequest: app.authorize('viewer'),
      schema: { tags: ['self_healing'], summary: 'Per strategy and issue type: attempts, successes, posterior mean, 90% interval, last use, choices', response: withErrors({ 200: LearningReply }) },
    },
    async () => {
      const [outcomes, choices] = await Promise.all([learning.outcomes(), learning.choices()]);
      return { stats: learningStats(outcomes, choices, Date.now()) };
    },
  );
};
