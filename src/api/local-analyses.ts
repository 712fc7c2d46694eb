// Analyses this process runs itself (ANALYZE_SHAPE=eager): the API's own analyze worker hands each result to the
// request waiting for it as soon as the analysis is committed, instead of the request waiting for the workflow's
// completion to travel to the server and back. A committed analysis is recorded exactly once with its event in the
// outbox, which is all a 200 promises; the workflow completes right after (or, if this process dies first, on a worker
// that reruns the activity and gets the recorded result back).
import type { AnalyzeResult } from '../domain/heal';

export class LocalAnalyses {
  private readonly waiting = new Map<string, (result: AnalyzeResult) => void>();

  /** Registers interest before the start (the local worker may finish before the start call returns). */
  expect(analysisId: string): { result: Promise<AnalyzeResult>; done(): void } {
    const result = new Promise<AnalyzeResult>((resolve) => this.waiting.set(analysisId, resolve));
    return { result, done: () => this.waiting.delete(analysisId) };
  }

  /** Called by the local analyze activity after the commit; a failure is left to the workflow's own result. */
  completed(analysisId: string, result: AnalyzeResult): void {
    this.waiting.get(analysisId)?.(result);
    this.waiting.delete(analysisId);
  }
}
