// All activities, built from injected dependencies (no env reads, no connections opened here).
import { createAnalysisActivities } from './analysis';
import { createAutopilotActivities } from './autopilot';
import { createBudgetActivities } from './budget';
import type { ActivityDeps } from './deps';
import { createPlanningActivities } from './planning';
import { createRecordActivities } from './records';
import { createRemediationActivities } from './remediation';
import { createRetentionActivities } from './retention';
import { createVerificationActivities } from './verification';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createAnalysisActivities(deps),
    ...createAutopilotActivities(deps),
    ...createBudgetActivities(deps),
    ...createPlanningActivities(deps),
    ...createRecordActivities(deps),
    ...createRemediationActivities(deps),
    ...createRetentionActivities(deps),
    ...createVerificationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
