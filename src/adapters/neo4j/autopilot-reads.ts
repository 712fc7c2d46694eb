// What the API reads of the autopilot's record: incidents with their decisions and heals (the dashboard's timeline),
// the shadow decisions with what their incidents did next (the comparison per strategy), one decision (a suggestion
// a person starts, marked here once taken) and the causal "why" at a moment. docs/autopilot.md, "Neo4j".
import neo4j from 'neo4j-driver';
import { globToRegExp } from '../../domain/inventory';
import type { AttemptView, DecisionView, IncidentStatus, IncidentView, ShadowOutcome } from '../../domain/autopilot';
import type { Neo4jConnection } from './driver';
import { POLICY_ID } from './policy-store';
import { num, numOrNull, parseJson, str, strings, strOrNull, type Props } from './values';

export interface IncidentQuery {
  from: number;
  to: number;
  limit: number;
  service?: string;
  /** A scoped token's services (globs). */
  servicePatterns?: string[];
}

export interface IncidentDetail {
  incident: IncidentView;
  decisions: DecisionView[];
  attempts: AttemptView[];
}

export interface DecisionRecord extends DecisionView {
  service: string;
  incidentId: string;
  incidentStatus: IncidentStatus;
  /** suggest: the /heal request body a person may start. */
  offer: unknown;
}

/** The causal answer for one service at one moment: the path from the incident active then to what it led to. */
export interface AutopilotWhy {
  service: string;
  at: number;
  /** Whether the watch could see the service at `at` (its last sight change before then); null before any. */
  sight: { blind: boolean; reason: string | null; since: number } | null;
  incident: IncidentView | null;
  /** The incident's anomalies (the samples that opened or grew it), strongest first. */
  anomalies: { metric: string; value: number; zscore: number; severity: string; at: number }[];
  /** The diagnoses of those samples, newest first. */
  diagnoses: { at: number; issueType: string; rootCause: string; confidence: number; recommended: string[] }[];
  /** Each decision at or before `at` with the policy change that put its version in force, and the heal it started. */
  decisions: (DecisionView & { policy: { version: string; source: string; actor: string; at: number } | null; attempt: AttemptView | null })[];
}

const INCIDENT_FIELDS = `i {.id, .service, .status, .openedAt, .closedAt, .escalatedAt, .escalation, .troubles, .attempts, .lastOutcome}`;
const DECISION_FIELDS = `d {.id, .at, .level, .strategy, .reason, .result, .policyRule, .policyVersion, .acceptedBy, .acceptedAt}`;
const ATTEMPT_FIELDS = `a {.id, .workflowId, .at, .finishedAt, .outcome, .actor, .strategy}`;

function serviceFilter(alias: string, q: { service?: string; servicePatterns?: string[] }): string {
  if (q.service !== undefined) return `AND ${alias}.service = $service`;
  if (q.servicePatterns !== undefined) return `AND any(p IN $servicePatterns WHERE ${alias}.service =~ p)`;
  return '';
}

function filterParams(q: { service?: string; servicePatterns?: string[] }) {
  return { service: q.service ?? null, servicePatterns: q.servicePatterns?.map((g) => globToRegExp(g).source) ?? null };
}

function incidentOf(p: Props): IncidentView {
  return {
    id: str(p['id']),
    service: str(p['service']),
    status: str(p['status']) as IncidentStatus,
    openedAt: num(p['openedAt']),
    closedAt: numOrNull(p['closedAt']),
    escalatedAt: numOrNull(p['escalatedAt']),
    escalation: strOrNull(p['escalation']),
    troubles: strings(p['troubles']),
    attempts: num(p['attempts'] ?? 0),
    lastOutcome: strOrNull(p['lastOutcome']),
  };
}

function decisionOf(p: Props): DecisionView {
  return {
    id: str(p['id']),
    at: num(p['at']),
    level: str(p['level']),
    strategy: strOrNull(p['strategy']),
    reason: str(p['reason']),
    result: strOrNull(p['result']),
    policyRule: strOrNull(p['policyRule']),
    policyVersion: strOrNull(p['policyVersion']),
    acceptedBy: strOrNull(p['acceptedBy']),
    acceptedAt: numOrNull(p['acceptedAt']),
  };
}

function attemptOf(p: Props): AttemptView {
  return {
    id: str(p['id']),
    workflowId: strOrNull(p['workflowId']),
    // An attempt linked by the watch before the heal wrote its own record has no time yet.
    at: numOrNull(p['at']) ?? 0,
    finishedAt: numOrNull(p['finishedAt']),
    outcome: strOrNull(p['outcome']),
    actor: strOrNull(p['actor']),
    strategy: strOrNull(p['strategy']),
  };
}

export class Neo4jAutopilotReads {
  /** `policyId`: this deployment's policy node (AUTOPILOT_POLICY_ID), whose changes explain a decision's version. */
  constructor(
    private readonly connection: Neo4jConnection,
    private readonly policyId = POLICY_ID,
  ) {}

  private async read(query: string, params: Record<string, unknown>) {
    const { records } = await this.connection.driver.executeQuery(query, params, { database: this.connection.database, routing: 'READ' });
    return records;
  }

  /** Incidents active at some time in the window, newest first, each with its decisions and heals. */
  async listIncidents(q: IncidentQuery): Promise<IncidentDetail[]> {
    const records = await this.read(
      `MATCH (i:Incident)
       WHERE i.openedAt <= $to AND coalesce(i.closedAt, $to) >= $from ${serviceFilter('i', q)}
       WITH i ORDER BY i.openedAt DESC, i.id DESC LIMIT $limit
       RETURN ${INCIDENT_FIELDS} AS incident,
              COLLECT { MATCH (i)-[:DECIDED]->(d:AutopilotDecision) RETURN ${DECISION_FIELDS} ORDER BY d.at } AS decisions,
              COLLECT { MATCH (i)-[:REMEDIATED_BY]->(a:HealingAttempt) RETURN ${ATTEMPT_FIELDS} ORDER BY a.at } AS attempts
       ORDER BY i.openedAt DESC, i.id DESC`,
      { from: neo4j.int(q.from), to: neo4j.int(q.to), limit: neo4j.int(q.limit), ...filterParams(q) },
    );
    return records.map((r) => ({
      incident: incidentOf(r.get('incident') as Props),
      decisions: (r.get('decisions') as Props[]).map(decisionOf),
      attempts: (r.get('attempts') as Props[]).map(attemptOf),
    }));
  }

  /** Shadow decisions made in the window (at most `limit`, newest first) with what their incidents did next. */
  async shadowOutcomes(q: IncidentQuery): Promise<ShadowOutcome[]> {
    const records = await this.read(
      `MATCH (i:Incident)-[:DECIDED]->(d:AutopilotDecision {level: 'shadow'})
       WHERE d.at >= $from AND d.at <= $to ${serviceFilter('d', q)}
       RETURN d.service AS service, d.strategy AS strategy, d.at AS decidedAt, i.openedAt AS openedAt, i.closedAt AS closedAt,
              COUNT { (i)-[:REMEDIATED_BY]->(:HealingAttempt) } AS attempts, i.escalatedAt IS NOT NULL AS escalated
       ORDER BY d.at DESC LIMIT $limit`,
      { from: neo4j.int(q.from), to: neo4j.int(q.to), limit: neo4j.int(q.limit), ...filterParams(q) },
    );
    return records.map((r) => ({
      service: str(r.get('service')),
      strategy: strOrNull(r.get('strategy')),
      decidedAt: num(r.get('decidedAt')),
      openedAt: num(r.get('openedAt')),
      closedAt: numOrNull(r.get('closedAt')),
      attempts: num(r.get('attempts')),
      escalated: r.get('escalated') === true,
    }));
  }

  async getDecision(id: string): Promise<DecisionRecord | null> {
    const records = await this.read(
      `MATCH (i:Incident)-[:DECIDED]->(d:AutopilotDecision {id: $id})
       RETURN ${DECISION_FIELDS} AS d, d.service AS service, d.offer AS offer, i.id AS incidentId, i.status AS status`,
      { id },
    );
    const r = records[0];
    if (!r) return null;
    return {
      ...decisionOf(r.get('d') as Props),
      service: str(r.get('service')),
      incidentId: str(r.get('incidentId')),
      incidentStatus: str(r.get('status')) as IncidentStatus,
      offer: parseJson<unknown>(r.get('offer'), null),
    };
  }

  /** A person started the heal a suggestion offered: who, when, and the attempt, linked like the watch's own heals. */
  async markAccepted(id: string, actor: string, at: number, heal: { workflowId: string; attemptId: string }): Promise<void> {
    await this.connection.driver.executeQuery(
      `MATCH (i:Incident)-[:DECIDED]->(d:AutopilotDecision {id: $id})
       SET d.acceptedBy = $actor, d.acceptedAt = $at, d.acceptedWorkflowId = $heal.workflowId
       MERGE (a:HealingAttempt {id: $heal.attemptId})
       MERGE (d)-[:STARTED]->(a)
       MERGE (i)-[:REMEDIATED_BY]->(a)`,
      { id, actor, at: neo4j.int(at), heal },
      { database: this.connection.database },
    );
  }

  /**
   * Why did (or didn't) the autopilot act on `service` at `at`: the incident active then (the one moment-in-interval
   * test), then only paths from it: its anomalies and their diagnoses (GROUPS, OBSERVED_IN → DIAGNOSED_AS), each
   * decision up to `at` (DECIDED), the policy change that put the decision's version in force, and the attempt the
   * decision started (STARTED) with its outcome.
   */
  async whyAt(service: string, at: number): Promise<AutopilotWhy> {
    const records = await this.read(AUTOPILOT_WHY_QUERY, { service, at: neo4j.int(at), policyId: this.policyId });
    const r = records[0];
    const sightProps = r?.get('sight') as Props | null | undefined;
    const sight = sightProps ? { blind: sightProps['blind'] === true, reason: strOrNull(sightProps['reason']), since: num(sightProps['at']) } : null;
    const incidentProps = r?.get('incident') as Props | null | undefined;
    if (!r || !incidentProps) return { service, at, sight, incident: null, anomalies: [], diagnoses: [], decisions: [] };
    return {
      service,
      at,
      sight,
      incident: incidentOf(incidentProps),
      anomalies: (r.get('anomalies') as Props[]).map((a) => ({ metric: str(a['metric']), value: num(a['value']), zscore: num(a['zscore']), severity: str(a['severity']), at: num(a['at']) })),
      diagnoses: (r.get('diagnoses') as Props[]).map((d) => ({
        at: num(d['at']),
        issueType: str(d['issueType']),
        rootCause: str(d['rootCause']),
        confidence: num(d['confidence']),
        recommended: strings(d['recommended']),
      })),
      decisions: (r.get('decisions') as Props[]).map((d) => {
        const policy = d['policy'] as Props | null;
        const attempt = d['attempt'] as Props | null;
        return {
          ...decisionOf(d),
          policy: policy ? { version: str(policy['newVersion']), source: str(policy['source']), actor: str(policy['actor']), at: num(policy['at']) } : null,
          attempt: attempt ? attemptOf(attempt) : null,
        };
      }),
    };
  }
}

export const AUTOPILOT_WHY_QUERY = `
MATCH (s:Service {name: $service})
OPTIONAL CALL (s) {
  MATCH (s)-[:WATCHED_BY]->(:ServiceWatch)-[:HAD_SIGHT]->(c:SightChange) WHERE c.at <= $at
  RETURN c ORDER BY c.at DESC LIMIT 1
}
OPTIONAL CALL (s) {
  MATCH (s)-[:HAD_INCIDENT]->(i:Incident) WHERE i.openedAt <= $at AND coalesce(i.closedAt, $at) >= $at
  RETURN i ORDER BY i.openedAt DESC LIMIT 1
}
RETURN c {.blind, .reason, .at} AS sight,
       ${INCIDENT_FIELDS} AS incident,
       COLLECT { MATCH (i)-[:GROUPS]->(a:AnomalyEvent) RETURN a {.metric, .value, .zscore, .severity, .at} ORDER BY a.zscore DESC LIMIT 50 } AS anomalies,
       COLLECT { MATCH (i)-[:OBSERVED_IN]->(m:MetricSnapshot)-[:DIAGNOSED_AS]->(dg:Diagnosis)
                 RETURN {at: m.at, issueType: dg.issueType, rootCause: dg.rootCause, confidence: dg.confidence, recommended: dg.recommendedStrategies}
                 ORDER BY m.at DESC LIMIT 20 } AS diagnoses,
       COLLECT { MATCH (i)-[:DECIDED]->(d:AutopilotDecision) WHERE d.at <= $at
                 OPTIONAL CALL (d) {
                   MATCH (:AutopilotPolicy {id: $policyId})-[:CHANGED]->(pc:PolicyChange {newVersion: d.policyVersion}) WHERE pc.at <= d.at
                   RETURN pc ORDER BY pc.at DESC LIMIT 1
                 }
                 OPTIONAL MATCH (d)-[:STARTED]->(a:HealingAttempt)
                 RETURN ${DECISION_FIELDS.slice(0, -1)}, policy: pc {.newVersion, .source, .actor, .at}, attempt: ${ATTEMPT_FIELDS}} ORDER BY d.at } AS decisions`;
