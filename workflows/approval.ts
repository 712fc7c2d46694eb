// The four-eyes rule, judged in the heal workflow's approval update validator. It lives in workflows/ because
// workflow code imports values only from here and @temporalio/workflow; the API and tests import it from here too.
import type { ApprovalDecision } from '../src/domain/heal';

/** Four eyes: why this decision may not be taken, or null. Deterministic, so the workflow and the API judge alike. */
export function fourEyesRefusal(requester: string, d: ApprovalDecision, circuitBreakerOpen: boolean): string | null {
  if (!d.approve || d.actor !== requester) return null;
  if (circuitBreakerOpen) return `${d.actor} requested this heal and the circuit breaker is open: another person must approve it`;
  if (d.role === 'admin' && d.overrideReason && d.overrideReason.trim().length > 0) return null;
  return `${d.actor} requested this heal: another person must approve it (an admin may override with override_reason)`;
}
