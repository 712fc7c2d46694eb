// In memory, what the API's autopilot routes read and write (src/api/routes/autopilot.ts): the policy store with its
// audited changes, the autopilot's record (incidents, shadow outcomes, decisions, the why), and the watches started.
import type { PolicyChange, StoredPolicy } from '../../src/adapters/ports';
import type { AutopilotWhy, DecisionRecord, IncidentDetail, IncidentQuery } from '../../src/adapters/neo4j/autopilot-reads';
import type { AutopilotApiDeps } from '../../src/api/routes/autopilot';
import type { AutopilotPolicy, ShadowOutcome } from '../../src/domain/autopilot';

export class FakeAutopilotApi implements AutopilotApiDeps {
  policy: StoredPolicy | null = null;
  readonly changeLog: PolicyChange[] = [];
  incidents: IncidentDetail[] = [];
  shadows: ShadowOutcome[] = [];
  decisions = new Map<string, DecisionRecord>();
  why: AutopilotWhy | null = null;
  readonly accepted: { id: string; actor: string; heal: { workflowId: string; attemptId: string } }[] = [];
  readonly watchesStarted: string[][] = [];
  /** The queries the reads were asked, for scope assertions. */
  readonly queries: IncidentQuery[] = [];
  failWatches: Error | null = null;

  policies = {
    current: async () => this.policy,
    replace: async (next: { text: string; version: string }, actor: string, at: number) => {
      const before = this.policy;
      if (before?.version === next.version) return { policy: before, change: null };
      this.policy = { ...next, source: 'api', updatedAt: at, updatedBy: actor };
      const change: PolicyChange = { id: `change-${this.changeLog.length + 1}`, at, actor, source: 'api', oldVersion: before?.version ?? null, newVersion: next.version, oldDocument: before?.text ?? null, newDocument: next.text };
      this.changeLog.unshift(change);
      return { policy: this.policy, change };
    },
    changes: async (limit: number) => this.changeLog.slice(0, limit),
  };

  reads = {
    listIncidents: async (q: IncidentQuery) => {
      this.queries.push(q);
      return this.incidents.slice(0, q.limit);
    },
    shadowOutcomes: async (q: IncidentQuery) => {
      this.queries.push(q);
      return this.shadows.filter((s) => q.service === undefined || s.service === q.service);
    },
    getDecision: async (id: string) => this.decisions.get(id) ?? null,
    markAccepted: async (id: string, actor: string, _at: number, heal: { workflowId: string; attemptId: string }) => {
      this.accepted.push({ id, actor, heal });
    },
    whyAt: async (service: string, at: number): Promise<AutopilotWhy> => this.why ?? { service, at, sight: null, incident: null, anomalies: [], diagnoses: [], decisions: [] },
  };

  scrapeAllowlist: readonly string[] = ['http://127.0.0.1:9100/metrics'];

  async startWatches(policy: AutopilotPolicy): Promise<string[]> {
    if (this.failWatches) throw this.failWatches;
    const ids = Object.keys(policy.services).sort().map((s) => `watch-${s}`);
    this.watchesStarted.push(ids);
    return ids;
  }
}
