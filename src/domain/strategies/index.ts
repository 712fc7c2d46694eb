import type { Strategy } from '../types';
import { STRATEGY_LIBRARY } from './library';

export { inverseOf } from './inverse';
export { checkPreconditions, isFailingContainer } from './preconditions';

const BY_NAME: ReadonlyMap<string, Strategy> = new Map(STRATEGY_LIBRARY.map((s) => [s.name, s]));

/** The strategy with this name, or undefined when the library has none. */
export function getStrategy(name: string): Strategy | undefined {
  return BY_NAME.get(name);
}

export function listStrategies(): readonly Strategy[] {
  return STRATEGY_LIBRARY;
}

export function strategyNames(): string[] {
  return STRATEGY_LIBRARY.map((s) => s.name);
}
