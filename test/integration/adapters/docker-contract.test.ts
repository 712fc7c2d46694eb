// DockerContainerRuntime on the real engine, held to the same contract as FakeContainerRuntime
// (test/unit/fakes/contracts.test.ts). Every container here is labelled with a service of this file's own and removed
// in afterAll.
import { afterAll } from 'vitest';
import { DockerContainerRuntime } from '../../../src/adapters/docker/container-runtime';
import { loadConfig } from '../../../src/config';
import { describeContainerRuntimeContract, type ContainerRuntimeSubject } from '../../contracts/container-runtime';
import { createServiceContainer, removeContainers } from '../../helpers/containers';

const services = new Set<string>();
const subject: ContainerRuntimeSubject = {
  runtime: new DockerContainerRuntime({ socketPath: loadConfig().docker.socketPath }),
  async create(service) {
    services.add(service);
    const { id, name } = await createServiceContainer(service, undefined, { healthy: false });
    return { id, name };
  },
};

afterAll(async () => {
  for (const service of services) await removeContainers({ label: `selfheal.service=${service}` });
});

describeContainerRuntimeContract('DockerContainerRuntime', () => subject, 60_000);
