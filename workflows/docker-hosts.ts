// Per-host routing of Docker work: each worker polls the shared task queue and its own host's queue, and a heal's
// container steps, their undo and their verification go to the queue of the host whose engine runs the container.
import { proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { HostObservation, HostsObserved } from '../src/domain/hosts';
import * as presets from './activity-options';

const { dockerHosts, observeOwnDockerHost } = proxyLocalActivities<Activities>(presets.shortLocal);

/** The task queue of one host's worker (the worker entry point polls the one of its WORKER_HOST_ID). */
export function dockerTaskQueue(taskQueue: string, host: string): string {
  return `${taskQueue}-docker-${host}`;
}

type HostActivities = Pick<Activities, 'executeStep' | 'compensateStep' | 'verifyHealth'>;

/** The activities that touch a host's engine, on that host's queue; on the workflow's own queue when no host is recorded. */
export function onHost(host: string | undefined): HostActivities {
  const taskQueue = host === undefined ? undefined : dockerTaskQueue(workflowInfo().taskQueue, host);
  return {
    executeStep: proxyActivities<Activities>({ ...presets.action, ...(taskQueue ? { taskQueue } : {}) }).executeStep,
    compensateStep: proxyActivities<Activities>({ ...presets.compensation, ...(taskQueue ? { taskQueue } : {}) }).compensateStep,
    verifyHealth: proxyActivities<Activities>({ ...presets.verification, ...(taskQueue ? { taskQueue } : {}) }).verifyHealth,
  };
}

/** Asks every host's worker what its engine has of the containers; a host that does not answer in time is named. */
export async function observeHosts(containers: string[], service: string): Promise<HostsObserved> {
  const { hosts } = await dockerHosts();
  return askHosts(hosts, containers, service);
}

/**
 * observeHosts, with this workflow task's worker answering for its own host in a local activity: a heal whose
 * containers are on the worker's host waits for no activity round trip (a dry run is then one workflow task).
 */
export async function observeHostsFromHere(containers: string[], service: string): Promise<HostsObserved> {
  const { hosts, own } = await observeOwnDockerHost({ containers, service });
  return observeOtherHosts(hosts, own, containers, service);
}

/** The hosts other than this worker's asked on their queues, with what this worker observed of its own. */
export async function observeOtherHosts(hosts: string[], own: HostObservation | null, containers: string[], service: string): Promise<HostsObserved> {
  const asked = await askHosts(
    hosts.filter((h) => h !== own?.host),
    containers,
    service,
  );
  const observed = own ? [own, ...asked.observed] : asked.observed;
  // In the order of the hosts, as observeHosts gives them.
  return { observed: hosts.flatMap((h) => observed.filter((o) => o.host === h)), unreachable: asked.unreachable };
}

async function askHosts(hosts: string[], containers: string[], service: string): Promise<HostsObserved> {
  const answers = await Promise.allSettled(
    hosts.map((host) =>
      proxyActivities<Activities>({ ...presets.hostObservation, taskQueue: dockerTaskQueue(workflowInfo().taskQueue, host) }).observeDockerHost({ containers, service }),
    ),
  );
  return {
    observed: answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : [])),
    unreachable: hosts.filter((_, i) => answers[i]!.status === 'rejected'),
  };
}
