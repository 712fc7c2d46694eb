// The same change done by the rule in docs/architecture.md: behind patched(), histories recorded before it replay
// unchanged, and new runs take the new path.
import { patched, sleep } from '@temporalio/workflow';
import type { HealInput, HealStatus } from '../../../../src/domain/heal';
import { healWorkflow as current } from '../../../../workflows/heal';

export { analyzeWorkflow } from '../../../../workflows/analyze';

export async function healWorkflow(input: HealInput): Promise<HealStatus> {
  if (patched('replay-test-timer-first')) await sleep(1);
  return current(input);
}
