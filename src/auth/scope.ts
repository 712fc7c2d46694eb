// Scoped tokens (tenancy): a token's optional `services` claim lists the services it covers, as glob patterns.
// REST reads and writes and Socket.IO subscriptions are filtered to that scope; admins see every service.
import { matchesAny } from '../domain/inventory';
import type { TokenClaims } from './jwt';

export type Scope = Pick<TokenClaims, 'role' | 'services'>;

/** True when the token covers every service (an admin, or no services claim). */
export function unscoped(scope: Scope): boolean {
  return scope.role === 'admin' || scope.services === undefined;
}

export function scopeAllows(scope: Scope, service: string): boolean {
  return unscoped(scope) || matchesAny(service, scope.services!);
}
