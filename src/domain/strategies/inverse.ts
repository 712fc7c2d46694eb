import { handlerFor } from '../actions';
import type { ActionKind, InverseKind } from '../types';

/** The rollback mapping, from each kind's handler: what undoes it, or null when nothing is left to undo. */
export function inverseOf(kind: ActionKind): InverseKind | null {
  return handlerFor(kind).inverse?.kind ?? null;
}
