// Analyses this process runs itself (ANALYZE_SHAPE=eager): the API's own analyze worker hands each result to the
// request waiting for it as soon as the analysis is committed, instead of the request waiting for the workflow's
// completion to travel to the server and back. A committed analysis is recorded exactly once with its event in the
// outbox, which is all a 200 promises; the workflow completes right after (or, if this process dies first, on a worker
// that reruns the activity and gets the recorded result back).
import type { AnalyzeResult } from '../domain/heal';

/** What this process's own run of an analysis says: its committed result, or that only the workflow can tell. */
export type LocalOutcome = { result: AnalyzeResult } | { result?: undefined };

export class LocalAnalyses {
  private readonly waiting = new Map<string, (outcome: LocalOutcome) => void>();

  /** Registers interest before the start (the local worker may finish before the start call returns). */
  expect(analysisId: string): { outcome: Promise<LocalOutcome>; done(): void } {
    const outcome = new Promise<LocalOutcome>((resolve) => this.waiting.set(analysisId, resolve));
    return { outcome, done: () => this.waiting.delete(analysisId) };
  }

  /** Called by the local analyze activity after the commit. */
  completed(analysisId: string, result: AnalyzeResult): void {
    this.settle(analysisId, { result });
  }

  /**
   * Called when the local activity's attempt threw: a refusal, or a failure the workflow retries. Either way the
   * workflow's own result is the answer now.
   */
  failed(analysisId: string): void {
    this.settle(analysisId, {});
  }

  private settle(analysisId: string, outcome: LocalOutcome): void {
    this.waiting.get(analysisId)?.(outcome);
    this.waiting.delete(analysisId);
  }
}
