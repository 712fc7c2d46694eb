import type { Precondition, Strategy } from '../types';

// Pieces two strategies share (apply_backpressure and scale_and_throttle), written once.
const BACKPRESSURE_ACTION: Strategy['actions'][number] = {
  kind: 'apply_backpressure',
  description: 'Apply a max-length policy (reject-publish) to each queue in the context',
  inverse: 'release_backpressure',
  targets: 'queues',
  parameters: { max_length: 1000 },
};
const NEEDS_SERVICES: Precondition = { field: 'services', rule: 'non_empty', reason: 'scaling needs a service to clone replicas of' };
const NEEDS_QUEUES: Precondition = { field: 'queues', rule: 'non_empty', reason: 'backpressure is applied to queues in the context' };

/**
 * The strategy library as data. Order within `actions` is execution order; rollback runs the inverses in reverse.
 * Risk drives the learner's exploration (riskier strategies explore less) and the safety envelope.
 */
export const STRATEGY_LIBRARY: readonly Strategy[] = [
  {
    name: 'restart_unhealthy',
    description: 'Restart the allowed containers that are unhealthy, exited or failing their probe.',
    actions: [
      {
        kind: 'restart_container',
        description: 'Restart each allowed container that is unhealthy, exited or failing its probe',
        // A restart cannot be undone and leaves nothing behind to remove.
        inverse: null,
        targets: 'containers',
        parameters: { select: 'failing' },
      },
    ],
    preconditions: [
      { field: 'containers', rule: 'non_empty', reason: 'restarts only touch containers the context allows' },
      { field: 'containers', rule: 'any_unhealthy', reason: 'restarting healthy containers fixes nothing' },
    ],
    risk: 'low',
    blast_radius: 3,
    cooldown_seconds: 300,
    requires_approval: false,
  },
  {
    name: 'scale_service',
    description: 'Add replicas of a service, cloned from a container labelled with the service.',
    actions: [
      {
        kind: 'scale_up',
        description: 'Add replicas of the service',
        inverse: 'remove_replicas',
        targets: 'services',
        parameters: { replicas: 1 },
      },
    ],
    preconditions: [NEEDS_SERVICES],
    risk: 'medium',
    blast_radius: 2,
    cooldown_seconds: 600,
    requires_approval: false,
  },
  {
    name: 'apply_backpressure',
    description: 'Cap the queues in the context with a max-length policy so producers are pushed back.',
    actions: [
      BACKPRESSURE_ACTION,
    ],
    preconditions: [NEEDS_QUEUES],
    risk: 'low',
    blast_radius: 5,
    cooldown_seconds: 300,
    requires_approval: false,
  },
  {
    name: 'scale_and_throttle',
    description: 'Add a replica of the service and cap its queues, for a backlog that one more consumer alone would not drain in time.',
    actions: [
      { kind: 'scale_up', description: 'Add a replica of the service', inverse: 'remove_replicas', targets: 'services', parameters: { replicas: 1 } },
      BACKPRESSURE_ACTION,
    ],
    preconditions: [
      NEEDS_SERVICES,
      NEEDS_QUEUES,
    ],
    // Two effects at once, each undone in reverse order on rollback.
    risk: 'medium',
    blast_radius: 3,
    cooldown_seconds: 600,
    requires_approval: false,
  },
  {
    name: 'rolling_restart',
    description: 'Restart the allowed containers one at a time, waiting for each to be healthy before the next.',
    actions: [
      {
        kind: 'restart_container',
        description: 'Restart one allowed container at a time and wait until it is running and healthy',
        inverse: null,
        targets: 'containers',
        // One step per container, in order; each waits until its container is healthy before the next.
        parameters: { select: 'all', wait_healthy_seconds: 30 },
      },
    ],
    preconditions: [
      { field: 'containers', rule: 'non_empty', reason: 'restarts only touch containers the context allows' },
    ],
    // Touches every replica, even healthy ones: riskier than restarting only the failing ones.
    risk: 'medium',
    blast_radius: 5,
    cooldown_seconds: 900,
    requires_approval: false,
  },
  {
    name: 'recreate_unhealthy',
    description: 'Recreate the failing allowed containers from their own configuration: a fresh writable layer, a new id.',
    actions: [
      {
        kind: 'recreate_container',
        description: 'Stop, remove and create again each allowed container that is unhealthy, exited or failing, from its saved configuration',
        inverse: 'restore_container',
        targets: 'containers',
        parameters: { select: 'failing' },
      },
    ],
    preconditions: [
      { field: 'containers', rule: 'non_empty', reason: 'recreates only touch containers the context allows' },
      { field: 'containers', rule: 'any_unhealthy', reason: 'recreating healthy containers fixes nothing' },
    ],
    // Loses what the container wrote outside its volumes: riskier than a restart, so a person approves it.
    risk: 'medium',
    blast_radius: 2,
    cooldown_seconds: 900,
    requires_approval: true,
  },
  {
    name: 'observe',
    description: 'Take no action; keep watching. The safe choice when the cause is unclear.',
    actions: [
      { kind: 'noop', description: 'Record the diagnosis and change nothing', inverse: null, targets: 'services' },
    ],
    preconditions: [],
    risk: 'low',
    blast_radius: 0,
    cooldown_seconds: 0,
    requires_approval: false,
  },
];
