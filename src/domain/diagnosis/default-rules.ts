import type { DiagnosisRule } from './rule-types';

const CPU = 'cpu*|*_cpu*';

/** Default diagnosis rules, as data; a rules file or code registration adds more (see docs/diagnosis-and-learning.md). */
export const DEFAULT_RULES: readonly DiagnosisRule[] = [
  {
    id: 'error-rate-spike',
    description: 'Errors well above their baseline: the service is degraded.',
    predicate: { anomaly: { metric: 'error*|*_error_rate|*errors*|*5xx*', direction: 'above' } },
    outcome: {
      issue_type: 'degradation',
      root_cause: 'elevated error rate',
      confidence: 0.8,
      recommended_strategies: ['restart_unhealthy', 'rolling_restart', 'scale_service'],
    },
  },
  {
    id: 'cpu-saturation',
    description: 'CPU above its baseline: the replicas lack compute for the load.',
    predicate: { anomaly: { metric: CPU, direction: 'above' } },
    outcome: {
      issue_type: 'cpu_saturation',
      root_cause: 'CPU saturation',
      confidence: 0.75,
      recommended_strategies: ['scale_service', 'rolling_restart'],
    },
  },
  {
    id: 'memory-growth',
    description: 'Memory growing above its baseline: likely a leak that a restart reclaims.',
    predicate: { anomaly: { metric: 'mem*|*memory*|*_rss*|heap*|*_heap*', direction: 'above' } },
    outcome: {
      issue_type: 'memory_leak',
      root_cause: 'memory growth (probable leak)',
      confidence: 0.7,
      recommended_strategies: ['rolling_restart', 'restart_unhealthy'],
    },
  },
  {
    id: 'slow-dependency',
    description: 'Latency high while CPU is normal: the time is spent waiting on a downstream dependency.',
    predicate: {
      all: [
        { anomaly: { metric: 'latency*|*latency*|response_time*|*_p95|*_p99', direction: 'above' } },
        { no_anomaly: { metric: CPU, direction: 'above' } },
      ],
    },
    outcome: {
      issue_type: 'slow_dependency',
      root_cause: 'slow downstream dependency (high latency, normal CPU)',
      confidence: 0.6,
      recommended_strategies: ['apply_backpressure', 'observe'],
    },
  },
  {
    id: 'queue-backlog',
    description: 'Queue depth or consumer lag above its baseline: consumers do not keep up.',
    predicate: { anomaly: { metric: 'queue*|*queue_depth*|*backlog*|*_lag|messages_ready*', direction: 'above' } },
    outcome: {
      issue_type: 'queue_backlog',
      root_cause: 'queue backlog: consumers do not keep up with producers',
      confidence: 0.7,
      impacted_components: ['services', 'queues'],
      recommended_strategies: ['scale_service', 'apply_backpressure'],
    },
  },
  {
    id: 'crash-loop',
    description: 'Containers exited, restarting, unhealthy, or restarted again and again.',
    predicate: {
      any: [
        { context: { containers_in_state: ['exited', 'restarting', 'dead'] } },
        { context: { health: 'unhealthy' } },
        { context: { restart_count_gte: 3 } },
      ],
    },
    outcome: {
      issue_type: 'crash_loop',
      root_cause: 'containers crashing, unhealthy or in a restart loop',
      confidence: 0.85,
      impacted_components: ['matched_containers', 'services'],
      recommended_strategies: ['restart_unhealthy', 'observe'],
    },
  },
  {
    id: 'traffic-surge',
    description: 'Request rate above its baseline: demand exceeds the provisioned capacity.',
    predicate: { anomaly: { metric: 'request*|*requests*|*rps*|throughput*|traffic*', direction: 'above' } },
    outcome: {
      issue_type: 'capacity',
      root_cause: 'traffic surge beyond provisioned capacity',
      confidence: 0.65,
      recommended_strategies: ['scale_service', 'apply_backpressure'],
    },
  },
];
