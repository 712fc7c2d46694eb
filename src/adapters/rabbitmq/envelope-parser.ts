// Messages on the exchange come from any process holding broker credentials: check the shape before relaying.
import { EVENT_VERSION, type EventEnvelope } from '../../domain/events';

const MAX_TEXT = 200;
const STEP_PATTERN = /^[a-z_]{1,64}$/;

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TEXT;
}

/** The envelope in a message body, or null when the body is not a well-formed envelope. */
export function parseEventEnvelope(content: Buffer): EventEnvelope | null {
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const e = value as Record<string, unknown>;
  const wellFormed =
    isText(e.id) &&
    (e.type === 'analyze' || e.type === 'heal') &&
    e.version === EVENT_VERSION &&
    isText(e.at) &&
    !Number.isNaN(Date.parse(e.at)) &&
    isText(e.workflowId) &&
    isText(e.runId) &&
    isText(e.service) &&
    typeof e.step === 'string' &&
    STEP_PATTERN.test(e.step) &&
    typeof e.data === 'object' &&
    e.data !== null &&
    !Array.isArray(e.data);
  return wellFormed ? (value as EventEnvelope) : null;
}
