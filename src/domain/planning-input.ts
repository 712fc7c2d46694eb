// What planning takes in: the policy, the observations and the request. Its own module so that planning.ts and
// safety-envelope.ts both depend on it instead of on each other.
import type { HealInput, SafetyCheck, StrategySelection } from './heal';
import type { AppliedHealSummary, ContainerInfo, QueueInfo } from './observations';
import type { HostLookup } from './hosts';
import type { InventoryPolicy } from './inventory';
import type { Strategy } from './types';

/** The heal safety envelope's settings; src/config.ts reads them into exactly this shape. */
export interface PlanPolicy extends InventoryPolicy {
  /** URL prefixes the http_probe verifier may reach; nothing else. */
  verifyHttpAllowlist: string[];
  budgetMax: number;
  /** Applied heals of one service in the budget window. */
  budgetPerServiceMax: number;
  budgetWindowSeconds: number;
  circuitBreakerFailures: number;
  approvalTimeoutSeconds: number;
  verifyIntervalSeconds: number;
  verifyAttempts: number;
  /** A verified backpressure policy is lifted after this long (0: lifted right after verification). */
  backpressureReleaseSeconds: number;
}

export interface PlanObservations {
  /** Each container of the context's allowlist, as observed (null: not found). */
  containers: { ref: string; info: ContainerInfo | null }[];
  /** Containers labelled with the service: scale templates. */
  serviceContainers: ContainerInfo[];
  queues: { name: string; info: QueueInfo | null }[];
  /** Applied heals of this service, newest first, over at least the cooldown and budget windows. */
  recentHeals: AppliedHealSummary[];
  appliedInWindow: number;
  /** How the containers were found when planning asked every Docker host (src/domain/hosts.ts); absent otherwise. */
  hosts?: HostLookup;
}

export interface PlanningInput {
  heal: HealInput;
  attemptId: string;
  workflowId: string;
  strategy: Strategy | null;
  selection: StrategySelection;
  preconditionChecks: SafetyCheck[];
  observed: PlanObservations;
  policy: PlanPolicy;
  now: number;
}
