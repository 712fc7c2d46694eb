// Which lifecycle points become notices, their stable ids, and the two payloads built from a notice.
import { describe, expect, it } from 'vitest';
import { genericPayload, healNotices, slackPayload, tickNotices, type Decision, type Incident } from '../../../../src/domain/autopilot';

const AT = Date.parse('2026-06-01T12:00:00.000Z');
const UI = { url: 'http://127.0.0.1:8233/', namespace: 'default' };
const heal = { workflowId: 'heal-api', attemptId: 'run-7', strategy: 'restart_unhealthy' };

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'incident:watch-api:r1:3', service: 'api', status: 'open', openedAt: AT - 2000, updatedAt: AT, closedAt: null, escalatedAt: null, escalation: null,
    troubles: ['container:api-1:unhealthy'], cleanStreak: 0, attempts: 0, inFlight: null, lastOutcome: null, needsDecision: true, ...over,
  };
}

const decision = (requireApproval: boolean): Decision => ({
  id: 'incident:watch-api:r1:3:1', incidentId: 'incident:watch-api:r1:3', service: 'api', at: AT, strategy: 'restart_unhealthy',
  level: requireApproval ? 'approve' : 'auto', policy: null, action: 'start_heal', requireApproval, reason: 'started restart_unhealthy, waiting for a person\'s approval', issueType: 'crash_loop',
});

describe('notices', () => {
  it('an incident that opened is announced once; growing, deciding or resolving it is not', () => {
    expect(tickNotices(incident(), ['opened', 'decided'], AT)).toEqual([expect.objectContaining({ id: 'incident:watch-api:r1:3:opened', type: 'incident.opened', heal: null })]);
    expect(tickNotices(incident(), ['grouped'], AT)).toEqual([]);
    expect(tickNotices(incident({ status: 'resolved' }), ['resolved'], AT)).toEqual([]);
    expect(tickNotices(null, [], AT)).toEqual([]);
  });

  it('a heal started in approve asks for approval; one started in auto says nothing', () => {
    const mitigating = incident({ status: 'mitigating', inFlight: heal, attempts: 1 });
    expect(healNotices(mitigating, { kind: 'started', decision: decision(true), heal }, AT)).toEqual([
      expect.objectContaining({ id: 'run-7:approval_needed', type: 'heal.approval_needed', heal: { ...heal, outcome: null }, decision: expect.objectContaining({ level: 'approve' }) }),
    ]);
    expect(healNotices(mitigating, { kind: 'started', decision: decision(false), heal }, AT)).toEqual([]);
  });

  it('a heal that rolled back or failed is announced, then the escalation when it was the last attempt', () => {
    const types = (outcome: string, after: Incident) => healNotices(after, { kind: 'finished', heal, outcome }, AT).map((n) => [n.id, n.type]);
    expect(types('rolled_back', incident({ attempts: 1 }))).toEqual([['run-7:rolled_back', 'heal.rolled_back']]);
    expect(types('refused', incident({ attempts: 1 }))).toEqual([['run-7:failed', 'heal.failed']]);
    const escalated = incident({ status: 'escalated', attempts: 2, escalation: '2 heal attempt(s) did not fix it (last: rollback_failed)' });
    expect(types('rollback_failed', escalated)).toEqual([
      ['run-7:failed', 'heal.failed'],
      ['incident:watch-api:r1:3:escalated', 'incident.escalated'],
    ]);
    // A person's rejection is no failure; the escalation says who decided.
    expect(types('rejected', incident({ status: 'escalated', escalation: 'a person rejected the heal' }))).toEqual([['incident:watch-api:r1:3:escalated', 'incident.escalated']]);
    expect(types('verified', incident({ status: 'mitigating' }))).toEqual([]);
    expect(types('recovered_before_action', incident({ status: 'mitigating' }))).toEqual([]);
  });
});

describe('payloads', () => {
  const approval = healNotices(incident({ status: 'mitigating', inFlight: heal, attempts: 1 }), { kind: 'started', decision: decision(true), heal }, AT)[0]!;

  it('generic: the notice as JSON with ISO times, the summary, and where to look and approve', () => {
    expect(genericPayload(approval, UI)).toEqual({
      id: 'run-7:approval_needed',
      type: 'heal.approval_needed',
      at: '2026-06-01T12:00:00.000Z',
      service: 'api',
      summary: 'Heal waiting for approval on api: restart_unhealthy (heal-api) waits for a person: POST /api/self_healing/heal/heal-api/approve',
      incident: { id: 'incident:watch-api:r1:3', status: 'mitigating', opened_at: '2026-06-01T11:59:58.000Z', troubles: ['container:api-1:unhealthy'], attempts: 1, escalation: null, last_outcome: null },
      heal: { workflow_id: 'heal-api', attempt_id: 'run-7', strategy: 'restart_unhealthy', outcome: null },
      decision: { id: 'incident:watch-api:r1:3:1', level: 'approve', strategy: 'restart_unhealthy', reason: "started restart_unhealthy, waiting for a person's approval" },
      links: { workflow: 'http://127.0.0.1:8233/namespaces/default/workflows/heal-api', approve: '/api/self_healing/heal/heal-api/approve' },
    });
  });

  it("slack: text plus blocks, Slack's markup characters escaped", () => {
    const opened = tickNotices(incident({ troubles: ['metric:<!channel>', 'a', 'b', 'c'] }), ['opened'], AT)[0]!;
    const p = slackPayload(opened, UI);
    expect(p.text).toBe('Incident opened on api: metric:<!channel>, a, b and 1 more');
    expect(p.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Incident opened: api' } });
    expect(p.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'Incident opened on api: metric:&lt;!channel&gt;, a, b and 1 more' } });
    expect(JSON.stringify(p.blocks[3])).toContain('<http://127.0.0.1:8233/namespaces/default/workflows/watch-api|Temporal Web UI>');
  });
});
