// Records every step of a heal: first to the audit (Neo4j), then as an event (RabbitMQ), in that order, so a
// consumer that sees an event can find it in the audit. Events go out in the background; finish() waits for them.
import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EventEnvelope, HealStep } from '../src/domain/events';
import type { HealInput, HealStatus, StepProgress } from '../src/domain/heal';
import type { HealAttemptRecord, HealOutcomeLabel } from '../src/adapters/ports';
import { shortLocal } from './activity-options';

const { recordHeal, publishEvents, recordAndPublishHeal } = proxyLocalActivities<Activities>(shortLocal);

/** One step as the journal writes it; `state` is the heal's phase and outcome its event reports (default: now). */
interface JournalStep {
  step: HealStep;
  status: StepProgress['status'];
  detail: string;
  data: Record<string, unknown>;
  extra: { action?: string; target?: string };
  state?: Pick<HealStatus, 'phase' | 'outcome'>;
}

export class Journal {
  private seq = 0;
  private readonly publishing: Promise<void>[] = [];

  constructor(
    private readonly input: HealInput,
    private readonly status: HealStatus,
  ) {}

  async step(
    step: HealStep,
    status: StepProgress['status'],
    detail: string,
    data: Record<string, unknown> = {},
    extra: { action?: string; target?: string } = {},
  ): Promise<void> {
    const [event] = await this.record([{ step, status, detail, data, extra }]);
    this.publishing.push(publishEvents([event!]));
  }

  /**
   * A dry run's whole journal, 'planned' then 'completed', in one write and one publish by one local activity: a dry
   * run changes nothing, so nothing happens between its two steps that the audit could miss.
   */
  async finishDryRun(planned: { status: StepProgress['status']; detail: string; data: Record<string, unknown> }, detail: string, reasons: string[]): Promise<HealStatus> {
    // The 'planned' step and event say what they said when they were written apart: still planning, no outcome.
    const plannedState = { phase: this.status.phase, outcome: this.status.outcome };
    this.complete('planned', reasons);
    const steps = [
      { step: 'planned' as const, ...planned, extra: {}, state: plannedState },
      { step: 'completed' as const, status: 'ok' as const, detail, data: { reasons }, extra: {} },
    ];
    const runSeqs = steps.map(() => ++this.seq);
    const expected = steps.map((st, k) => this.event(st, runSeqs[k]!, 0));
    const { at, seqs } = await recordAndPublishHeal({ attempt: this.attemptRecord(), steps: this.stepRecords(steps, runSeqs), events: expected });
    steps.forEach((st, k) => this.status.steps.push({ seq: seqs[k] ?? runSeqs[k]!, step: st.step, status: st.status, detail: st.detail, at }));
    return this.status;
  }

  /** Writes the attempt with the steps (one recordHeal), adds them to the status, and returns their events. */
  private async record(steps: JournalStep[]): Promise<EventEnvelope[]> {
    // Keyed by run: a run reset from an earlier point records its own steps instead of colliding with the old run's.
    const runSeqs = steps.map(() => ++this.seq);
    const { at, seqs } = await recordHeal({ attempt: this.attemptRecord(), steps: this.stepRecords(steps, runSeqs) });
    return steps.map((st, k) => {
      const seq = seqs[k] ?? runSeqs[k]!;
      this.status.steps.push({ seq, step: st.step, status: st.status, detail: st.detail, at });
      return this.event(st, seq, at);
    });
  }

  private stepRecords(steps: JournalStep[], runSeqs: number[]) {
    const { attempt_id: attemptId, run_id: runId } = this.status;
    return steps.map(({ step, status, detail, data, extra }, k) => ({ id: `${runId}:${runSeqs[k]}`, attemptId, seq: runSeqs[k]!, step, status, detail, data, at: 0, ...extra }));
  }

  private event({ step, status, detail, data, extra, state }: JournalStep, seq: number, at: number): EventEnvelope {
    const { attempt_id: attemptId, workflow_id: workflowId, run_id: runId } = this.status;
    const { phase, outcome } = state ?? this.status;
    return {
      id: `${attemptId}:${seq}`,
      type: 'heal',
      version: 1,
      at: new Date(at).toISOString(),
      workflowId,
      runId,
      service: this.input.service,
      step,
      data: { seq, status, detail, phase, outcome, ...extra, ...data },
    };
  }

  /** Records the final outcome (and, for applied heals, the learning outcome) and waits for every event. */
  async finish(outcome: HealOutcomeLabel, detail: string, reasons: string[] = []): Promise<HealStatus> {
    this.complete(outcome, reasons);
    await this.step('completed', outcome === 'verified' || outcome === 'planned' ? 'ok' : 'info', detail, { reasons });
    await Promise.all(this.publishing);
    return this.status;
  }

  private complete(outcome: HealOutcomeLabel, reasons: string[]): void {
    this.status.phase = 'completed';
    this.status.outcome = outcome;
    this.status.reasons.push(...reasons);
  }

  attemptRecord(): HealAttemptRecord {
    const s = this.status;
    const done = s.phase === 'completed';
    return {
      id: s.attempt_id,
      at: 0,
      workflowId: s.workflow_id,
      runId: s.run_id,
      service: this.input.service,
      strategy: s.plan?.strategy ?? null,
      dryRun: this.input.dryRun,
      applied: s.applied,
      verified: s.verified,
      outcome: done ? ((s.outcome ?? 'failed') as HealOutcomeLabel) : s.phase === 'awaiting_approval' ? 'awaiting_approval' : 'running',
      issueType: this.input.diagnosis.issue_type,
      rootCause: this.input.diagnosis.root_cause,
      actor: this.input.actor,
      requestId: this.input.requestId,
      diagnosis: this.input.diagnosis,
      plan: s.plan,
      reasons: s.reasons,
      finishedAt: done ? 0 : null,
    };
  }
}
