// The in-memory fakes held to the same contracts as the real adapters (test/integration/adapters/*-contract(s).test.ts
// run these suites against Neo4j, Docker, RabbitMQ and a local HTTP server).
import { beforeEach } from 'vitest';
import { describeAuditStoreContract, type AuditStoreSubject } from '../../contracts/audit-store';
import { describeContainerRuntimeContract, type ContainerRuntimeSubject } from '../../contracts/container-runtime';
import { describeEventsContract, type EventsSubject } from '../../contracts/events';
import { describeHttpProbeContract, type HttpProbeSubject } from '../../contracts/http-probe';
import { describeQueueControlContract, type QueueControlSubject } from '../../contracts/queue-control';
import { describeLearningStoreContract, type LearningStoreSubject } from '../../contracts/learning-store';
import { describePushedMetricsStoreContract, type PushedMetricsStoreSubject } from '../../contracts/pushed-metrics-store';
import { FakePushedMetricsStore } from '../../fakes/pushed-metrics';
import { FakeAuditStore } from '../../fakes/audit-store';
import { FakeLearningStore } from '../../fakes/learning-store';
import { container, FakeContainerRuntime, FakeEventBus, FakeEventPublisher, FakeHttpProbe, FakeQueueControl } from '../../fakes/others';

let audit: AuditStoreSubject;
let learning: LearningStoreSubject;
let containers: ContainerRuntimeSubject;
let http: HttpProbeSubject;
let events: EventsSubject;
let queues: QueueControlSubject;
let pushed: PushedMetricsStoreSubject;

beforeEach(() => {
  audit = { store: new FakeAuditStore(), services: [] };
  learning = { store: new FakeLearningStore(), issueTypes: [] };
  pushed = { store: new FakePushedMetricsStore(), services: [] };
  const runtime = new FakeContainerRuntime();
  let n = 0;
  containers = {
    runtime,
    async create(service) {
      const c = container({ name: `selfheal-contract-${service}-${n++}`, service });
      runtime.containers.set(c.id, c);
      return { id: c.id, name: c.name };
    },
  };
  const control = new FakeQueueControl();
  queues = {
    control,
    async declare(name) {
      control.queues.set(name, { name, messages: 0, consumers: 0, policy: null, maxLength: null });
    },
    used: [],
  };
  const bus = new FakeEventBus();
  events = { publisher: new FakeEventPublisher(bus), feed: (instanceId) => bus.feed(instanceId) };
  const probe = new FakeHttpProbe();
  http = {
    probe,
    answering(status) {
      const url = `http://probe.test/status/${status}`;
      probe.statuses.set(url, status);
      return url;
    },
    unreachable() {
      probe.unreachable.add('http://probe.test:1/');
      return 'http://probe.test:1/';
    },
  };
});

describeAuditStoreContract('FakeAuditStore', () => audit);
describeLearningStoreContract('FakeLearningStore', () => learning);
describeContainerRuntimeContract('FakeContainerRuntime', () => containers);
describeHttpProbeContract('FakeHttpProbe', () => http);
describeEventsContract('FakeEventBus', () => events);
describeQueueControlContract('FakeQueueControl', () => queues);
describePushedMetricsStoreContract('FakePushedMetricsStore', () => pushed);
