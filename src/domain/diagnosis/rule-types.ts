import type { ContainerObservation, Severity } from '../types';

/**
 * Metric names to match: a glob string whose `|` separates alternatives (`*` any run of characters, `?` one),
 * or a list of such globs. Matching ignores case.
 */
export type MetricPattern = string | string[];

/** Holds when at least one anomaly matches every given field. */
export interface AnomalyMatch {
  metric: MetricPattern;
  direction?: 'above' | 'below';
  min_severity?: Severity;
  /** Lowest anomaly score in [0, 1]. */
  min_score?: number;
}

/**
 * Holds when at least `min_containers` (default 1) observed containers (context.container_states) satisfy every
 * given field.
 */
export interface ContextMatch {
  containers_in_state?: ContainerObservation['state'][];
  health?: NonNullable<ContainerObservation['health']>;
  restart_count_gte?: number;
  min_containers?: number;
}

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { anomaly: AnomalyMatch }
  /** Holds when no anomaly matches: e.g. "CPU is normal". */
  | { no_anomaly: AnomalyMatch }
  | { context: ContextMatch };

/** Where a hypothesis's impacted components come from. matched_containers: the containers a context clause matched. */
export type ImpactSource = 'services' | 'queues' | 'containers' | 'matched_containers';

export interface RuleOutcome {
  issue_type: string;
  root_cause: string;
  /** Confidence when the evidence is as strong as it gets; weaker evidence lowers it (see engine). */
  confidence: number;
  /** Defaults to ['services']. */
  impacted_components?: ImpactSource[];
  /** Strategy names from the library, best first. */
  recommended_strategies: string[];
}

export interface DiagnosisRule {
  id: string;
  description: string;
  predicate: Condition;
  outcome: RuleOutcome;
}
