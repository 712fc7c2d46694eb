// The heal workflow with a careless change: a timer before anything else. Running heals recorded before it cannot
// replay against it; the replay test proves that it says so.
import { sleep } from '@temporalio/workflow';
import type { HealInput, HealStatus } from '../../../../src/domain/heal';
import { healWorkflow as current } from '../../../../workflows/heal';

export { analyzeWorkflow } from '../../../../workflows/analyze';

export async function healWorkflow(input: HealInput): Promise<HealStatus> {
  await sleep(1);
  return current(input);
}
