// Scoped tokens on REST routes: a token whose `services` claim does not cover a service may neither read nor act on
// it; its lists hold only its own services' records. Writes and service-named reads answer 403 naming the field; reads of one heal or attempt of another service
// answer 404, so a scoped token cannot even learn that it exists.
import { AppError, NotFoundError } from '../errors';
import { scopeAllows, unscoped, type Scope } from '../auth/scope';

export function assertInScope(scope: Scope | undefined, service: string, field: string): void {
  if (scope && !scopeAllows(scope, service)) {
    throw new AppError(`${field}: service ${service} is outside this token's scope (${scope.services!.join(', ')})`, 403, 'out_of_scope', field);
  }
}

/** A one-service answer (/why) is only for a service in scope; naming none is for tokens that cover every service. */
export function assertServiceNamed(scope: Scope | undefined, service: string | undefined): void {
  if (service === undefined) {
    if (scope && !unscoped(scope)) throw new AppError(`service: this token is scoped to ${scope.services!.join(', ')}; name one of its services`, 403, 'out_of_scope', 'service');
    return;
  }
  assertInScope(scope, service, 'service');
}

/**
 * The service filter of a list: the named service (which must be in scope), or, when none is named, the token's
 * scope itself, so a scoped token lists only its own services' records.
 */
export function listFilter(scope: Scope | undefined, service: string | undefined): { service?: string; servicePatterns?: string[] } {
  if (service !== undefined) {
    assertInScope(scope, service, 'service');
    return { service };
  }
  return scope && !unscoped(scope) ? { servicePatterns: scope.services! } : {};
}

/** For one record of another service: as if it did not exist. */
export function assertVisible(scope: Scope | undefined, service: string, what: string): void {
  if (scope && !scopeAllows(scope, service)) throw new NotFoundError(what);
}
