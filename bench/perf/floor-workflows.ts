// Temporal's own floor for this benchmark: the smallest workflows shaped like analyze and heal (start, one no-op
// activity, result). floorWorkflow uses a regular activity (the yardstick of the targets); floorLocalWorkflow a
// local one, as analyze does, to show what Temporal alone costs on analyze's path.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { FloorActivities } from './floor-activities';

const options = { startToCloseTimeout: '10s' } as const;
const { noop } = proxyActivities<FloorActivities>(options);
const local = proxyLocalActivities<FloorActivities>(options);

export async function floorWorkflow(): Promise<void> {
  await noop();
}

export async function floorLocalWorkflow(): Promise<void> {
  await local.noop();
}
