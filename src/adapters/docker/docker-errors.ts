// Turns dockerode failures into errors the heal workflow can act on: a vanished target is permanent
// (TargetGoneError), everything else, an unreachable engine first of all, stays a plain retryable Error.
import { TargetGoneError } from '../../errors';

/** What docker-modem puts on an HTTP failure (statusCode, reason, parsed body) or Node on a socket failure (code). */
interface DockerFailure {
  message?: string;
  statusCode?: number;
  reason?: string;
  json?: { message?: string } | null;
  code?: string;
}

function asFailure(err: unknown): DockerFailure {
  return typeof err === 'object' && err !== null ? (err as DockerFailure) : { message: String(err) };
}

export function dockerStatus(err: unknown): number | undefined {
  return asFailure(err).statusCode;
}

/** The engine's own explanation ("No such container: x", "Container x is already paused"). */
export function engineMessage(err: unknown): string {
  const failure = asFailure(err);
  return failure.json?.message ?? failure.message ?? 'unknown error';
}

// Socket-level failures: the engine is down, restarting or was cut off mid-request; a retry may well succeed.
const ENGINE_UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export function toRuntimeError(err: unknown, action: string, ref: string): Error {
  const failure = asFailure(err);
  if (failure.statusCode === 404) {
    return new TargetGoneError(`docker ${action} ${ref}: not found (${engineMessage(err)})`, { cause: err });
  }
  if (failure.statusCode !== undefined) {
    const reason = failure.reason ? ` ${failure.reason}` : '';
    return new Error(`docker ${action} ${ref}: HTTP ${failure.statusCode}${reason}: ${engineMessage(err)}`, { cause: err });
  }
  if (failure.code !== undefined && ENGINE_UNREACHABLE_CODES.has(failure.code)) {
    return new Error(`docker ${action} ${ref}: Docker engine unreachable (${failure.code}): ${failure.message}`, { cause: err });
  }
  return new Error(`docker ${action} ${ref}: ${engineMessage(err)}`, { cause: err });
}
