// ActivityDeps built from the in-memory fakes: activity tests (MockActivityEnvironment) without a real service.
import type { ActivityDeps } from '../../activities';
import { loadConfig } from '../../src/config';
import { DEFAULT_RULES } from '../../src/domain/diagnosis';
import { mulberry32 } from '../../src/domain/learning';
import { FakeAuditStore } from './audit-store';
import { FakeLearningStore } from './learning-store';
import { FakePushedMetricsStore } from './pushed-metrics';
import { FakeAuditRetention, FakeAutopilotStore, FakeContainerRuntime, FakeCounters, FakeEventOutbox, FakeEventPublisher, FakeHealBudget, FakeHttpProbe, FakeMetricHistory, FakeQueueControl, FakeServiceRegistry } from './others';

export const FAKE_NOW = Date.parse('2026-06-01T12:00:00.000Z');

export interface FakeDeps extends ActivityDeps {
  auditStore: FakeAuditStore;
  learningStore: FakeLearningStore;
  publisher: FakeEventPublisher;
  containers: FakeContainerRuntime;
  queues: FakeQueueControl;
  http: FakeHttpProbe;
  metricHistory: FakeMetricHistory;
  budget: FakeHealBudget;
  outbox: FakeEventOutbox;
  counters: FakeCounters;
  serviceRegistry: FakeServiceRegistry;
  retention: FakeAuditRetention;
  autopilotStore: FakeAutopilotStore;
  pushedMetrics: FakePushedMetricsStore;
}

/** Fakes, the default configuration (with `env` on top), a fixed clock and a seeded random source. */
export function fakeDeps(over: Partial<FakeDeps> = {}, env: Record<string, string> = {}): FakeDeps {
  return {
    config: loadConfig({ VERIFY_HTTP_ALLOWLIST: 'http://probe.test/health', ...env }),
    analysisStore: {
      analyzeOnce: async () => {
        throw new Error('no fake AnalysisStore yet');
      },
      getBaselines: async () => ({}),
    },
    auditStore: new FakeAuditStore(),
    learningStore: new FakeLearningStore(),
    metricHistory: new FakeMetricHistory(),
    publisher: new FakeEventPublisher(),
    containers: new FakeContainerRuntime(),
    queues: new FakeQueueControl(),
    http: new FakeHttpProbe(),
    budget: new FakeHealBudget(),
    outbox: new FakeEventOutbox(),
    counters: new FakeCounters(),
    serviceRegistry: new FakeServiceRegistry(),
    retention: new FakeAuditRetention(),
    rules: DEFAULT_RULES,
    autopilotStore: new FakeAutopilotStore(),
    pushedMetrics: new FakePushedMetricsStore(),
    autopilotPolicy: null,
    random: mulberry32(14),
    now: () => FAKE_NOW,
    ...over,
  };
}
