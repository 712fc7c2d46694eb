// scale_up: add replicas of the service, cloned from a running, managed container of the service itself. The
// strategy's `replicas` parameter is the default count; a heal request's `replicas` overrides it.
import type { ContainerInfo } from '../observations';
import type { PlanPolicy } from '../planning-input';
import { containerRefusal } from '../inventory';
import { CONTAINER_HEALTH_DEFAULT, numberParam, replicaKey, type ActionHandler } from './handler';

export const scaleUp: ActionHandler<'scale_up'> = {
  kind: 'scale_up',
  inverse: { kind: 'remove_replicas', description: 'remove exactly the replicas this heal added' },
  planSteps({ heal, action, allowed, observed, policy }) {
    const template = pickTemplate(heal.service, allowed, observed.serviceContainers, policy);
    if (!template) return [];
    const replicas = heal.replicas ?? numberParam(action, 'replicas', 1);
    return [
      {
        action: 'scale_up',
        target: { kind: 'service', id: heal.service },
        params: { template: template.id, replicas },
        expected_effect: `add ${replicas} replica(s) of ${heal.service} cloned from ${template.name}`,
      },
    ];
  },
  blastRadius: (step) => step.params.replicas ?? 1,
  // The replicas are cloned on the template's engine.
  engineContainer: (step) => step.params.template ?? null,
  // Before acting there are no replicas to look at; after, a replica removed since is a failure, not one fewer.
  observedTargets: (step, healKey, acted) =>
    acted
      ? [{ kind: 'labelled', labels: { 'selfheal.heal': replicaKey(healKey, step) }, expected: step.params.replicas ?? 1, label: `a replica of ${step.target.id} (${replicaKey(healKey, step)})` }]
      : [],
  defaultVerifier: CONTAINER_HEALTH_DEFAULT,
};

/** A running, managed container of the service itself (never a replica of an earlier heal, never another service's). */
function pickTemplate(service: string, allowed: ContainerInfo[], labelled: ContainerInfo[], policy: PlanPolicy): ContainerInfo | undefined {
  const ofService = (c: ContainerInfo) => c.service === service && c.labels['selfheal.heal'] === undefined && containerRefusal(c, service, policy) === null;
  return allowed.find((c) => ofService(c) && c.state === 'running') ?? labelled.find((c) => ofService(c) && c.state === 'running');
}
