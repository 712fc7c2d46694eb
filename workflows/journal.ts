// Records every step of a heal: first to the audit (Neo4j), then as an event (RabbitMQ), in that order, so a
// consumer that sees an event can find it in the audit. Events go out in the background; finish() waits for them.
import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EventEnvelope, HealStep } from '../src/domain/events';
import type { HealInput, HealStatus, StepProgress } from '../src/domain/heal';
import type { HealAttemptRecord, HealOutcomeLabel } from '../src/adapters/ports';
import { shortLocal } from './activity-options';

const { recordHeal, publishEvents } = proxyLocalActivities<Activities>(shortLocal);

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
    const { attempt_id: attemptId, workflow_id: workflowId, run_id: runId } = this.status;
    // Keyed by run: a run reset from an earlier point records its own steps instead of colliding with the old run's.
    const runSeq = ++this.seq;
    const { at, seqs } = await recordHeal({
      attempt: this.attemptRecord(),
      steps: [{ id: `${runId}:${runSeq}`, attemptId, seq: runSeq, step, status, detail, data, at: 0, ...extra }],
    });
    const seq = seqs[0] ?? runSeq;
    this.status.steps.push({ seq, step, status, detail, at });
    const event: EventEnvelope = {
      id: `${attemptId}:${seq}`,
      type: 'heal',
      version: 1,
      at: new Date(at).toISOString(),
      workflowId,
      runId,
      service: this.input.service,
      step,
      data: { seq, status, detail, phase: this.status.phase, outcome: this.status.outcome, ...extra, ...data },
    };
    this.publishing.push(publishEvents([event]));
  }

  /** Records the final outcome (and, for applied heals, the learning outcome) and waits for every event. */
  async finish(outcome: HealOutcomeLabel, detail: string, reasons: string[] = []): Promise<HealStatus> {
    this.status.phase = 'completed';
    this.status.outcome = outcome;
    this.status.reasons.push(...reasons);
    await this.step('completed', outcome === 'verified' || outcome === 'planned' ? 'ok' : 'info', detail, { reasons });
    await Promise.all(this.publishing);
    return this.status;
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
