// followContainerEvents on the real engine: a managed container of a service turning unhealthy, then being killed,
// arrives as events with its service and name. Containers are this file's own.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { followContainerEvents, isTroubleEvent, type ContainerEvent } from '../../../src/adapters/docker/events';
import { loadConfig } from '../../../src/config';
import { breakHealthCheck, createServiceContainer, docker, removeContainers, waitFor } from '../../helpers/containers';

const service = `events-${randomUUID().slice(0, 8)}`;
afterAll(async () => removeContainers({ label: `selfheal.service=${service}` }));

describe('followContainerEvents', { timeout: 60_000 }, () => {
  it("pushes a managed container's turn to unhealthy and its death as they happen", async () => {
    const events: ContainerEvent[] = [];
    const errors: Error[] = [];
    const follower = followContainerEvents({ socketPath: loadConfig().docker.socketPath }, (e) => events.push(e), (e) => errors.push(e));
    try {
      const { name } = await createServiceContainer(service);
      await breakHealthCheck(name);
      await waitFor(async () => events.some((e) => e.service === service && e.action === 'health_status: unhealthy'), 30_000, 'the unhealthy event');
      await docker.getContainer(name).kill();
      await waitFor(async () => events.some((e) => e.service === service && e.action === 'die'), 30_000, 'the die event');
      const mine = events.filter((e) => e.service === service);
      expect(mine.every((e) => e.container === name)).toBe(true);
      expect(mine.filter((e) => isTroubleEvent(e.action)).map((e) => e.action)).toEqual(['health_status: unhealthy', 'die']);
      expect(errors).toEqual([]);
    } finally {
      follower.close();
    }
  });
});

describe('isTroubleEvent', () => {
  it('is unhealthy, die and oom; a turn to healthy or starting is not', () => {
    expect(['health_status: unhealthy', 'die', 'oom'].map(isTroubleEvent)).toEqual([true, true, true]);
    expect(['health_status: healthy', 'health_status: starting', 'start'].map(isTroubleEvent)).toEqual([false, false, false]);
  });
});
