// An incident's timeline in lifecycle order, the suggest notice, and the causal answer's sentence.
import { describe, expect, it } from 'vitest';
import { decisionNotices, genericPayload, incidentTimeline, slackPayload, whyAnswer, type Decision, type DecisionView, type Incident, type IncidentView } from '../../../../src/domain/autopilot';

const T = Date.parse('2026-06-01T12:00:00.000Z');
const incident: IncidentView = {
  id: 'incident:watch-api:r1:3', service: 'api', status: 'resolved', openedAt: T, closedAt: T + 30_000, escalatedAt: null, escalation: null,
  troubles: ['container:api-1:unhealthy'], attempts: 1, lastOutcome: 'verified',
};
const decision: DecisionView = {
  id: `${incident.id}:1`, at: T, level: 'suggest', strategy: 'restart_unhealthy', reason: 'suggested restart_unhealthy to a person; nothing done until someone starts it',
  result: 'recorded', policyRule: 'services.api.default', policyVersion: 'abcd', acceptedBy: 'alice', acceptedAt: T + 5000,
};
const attempt = { id: 'run-1', workflowId: 'heal-api', at: T + 5000, finishedAt: T + 12_000, outcome: 'verified', actor: 'alice', strategy: 'restart_unhealthy' };

describe('incidentTimeline', () => {
  it('opened, the decision with its level, the suggestion taken, the heal and its outcome, resolved, in that order', () => {
    const entries = incidentTimeline(incident, [decision], [attempt]);
    expect(entries.map((e) => [e.at - T, e.kind, e.level ?? e.outcome ?? null])).toEqual([
      [0, 'opened', null],
      [0, 'decision', 'suggest'],
      [5000, 'suggestion_taken', null],
      [5000, 'heal_started', null],
      [12_000, 'heal_finished', 'verified'],
      [30_000, 'resolved', null],
    ]);
    expect(entries[1]?.text).toContain('policy services.api.default @abcd');
    expect(entries[2]?.text).toBe('alice started the suggested restart_unhealthy');
  });

  it('an escalated incident ends with its escalation; a running heal has no end yet', () => {
    const escalated = { ...incident, status: 'escalated' as const, closedAt: null, escalatedAt: T + 9000, escalation: 'a person rejected the heal' };
    const entries = incidentTimeline(escalated, [], [{ ...attempt, finishedAt: null, outcome: null }]);
    expect(entries.map((e) => e.kind)).toEqual(['opened', 'heal_started', 'escalated']);
    expect(entries.at(-1)?.text).toBe('escalated: a person rejected the heal');
  });
});

describe('suggest notices', () => {
  const open: Incident = { ...incident, status: 'open', closedAt: null, updatedAt: T, cleanStreak: 0, inFlight: null, needsDecision: false };
  const decided = (level: Decision['level']): Decision => ({
    id: `${incident.id}:1`, incidentId: incident.id, service: 'api', at: T, strategy: 'restart_unhealthy', level, policy: null, action: 'record', requireApproval: false, reason: 'r', issueType: 'crash_loop',
  });

  it('a suggest decision is offered with the route that starts it; other levels say nothing here', () => {
    const [notice, ...rest] = decisionNotices(open, decided('suggest'), T);
    expect(rest).toEqual([]);
    expect(notice).toMatchObject({ id: `${incident.id}:1:suggested`, type: 'heal.suggested', heal: null, decision: { level: 'suggest', strategy: 'restart_unhealthy' } });
    const start = `/api/self_healing/autopilot/decisions/${encodeURIComponent(`${incident.id}:1`)}/start`;
    expect(genericPayload(notice!, { url: 'http://127.0.0.1:8233', namespace: 'default' })).toMatchObject({ type: 'heal.suggested', links: { start } });
    expect(slackPayload(notice!, { url: 'http://127.0.0.1:8233', namespace: 'default' }).text).toBe(`Heal suggested on api: restart_unhealthy is offered to a person: POST ${start}`);
    for (const level of ['off', 'shadow', 'approve', 'auto'] as const) expect(decisionNotices(open, decided(level), T)).toEqual([]);
  });
});

describe('whyAnswer', () => {
  it('says there was nothing to decide without an incident, and that the watch was blind when it was', () => {
    expect(whyAnswer({ service: 'api', sight: null, incident: null, decisions: [] })).toBe('no incident of api was active then, so there was nothing to decide');
    expect(whyAnswer({ service: 'api', sight: { blind: true, reason: 'docker: down' }, incident: null, decisions: [] })).toBe('the watch was blind (docker: down); no incident of api was active then, so there was nothing to decide');
  });

  it('names the last decision, its level, the policy rule and version, and the heal it led to', () => {
    const answer = whyAnswer({ service: 'api', sight: { blind: false, reason: null }, incident, decisions: [{ ...decision, attempt }] });
    expect(answer).toBe(
      `incident ${incident.id} (container:api-1:unhealthy): suggest under services.api.default of policy abcd: ${decision.reason}; heal heal-api verified; alice started the suggested heal`,
    );
  });
});
