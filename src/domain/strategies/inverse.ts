import type { ActionKind } from '../types';

/** The rollback mapping: the action that undoes each kind, or null when nothing is left to undo. */
const INVERSES: Readonly<Record<ActionKind, ActionKind | null>> = {
  restart_container: null,
  scale_up: 'remove_replicas',
  remove_replicas: 'scale_up',
  apply_backpressure: 'release_backpressure',
  release_backpressure: 'apply_backpressure',
  pause_container: 'unpause_container',
  unpause_container: 'pause_container',
  noop: null,
};

export function inverseOf(kind: ActionKind): ActionKind | null {
  return INVERSES[kind];
}
