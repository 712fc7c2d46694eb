// `selfheal watch [heal-id]`: follows heals live, one line per step. With an id it ends with the heal: exit 0 when
// verified (or planned, for a dry run), 3 for any other outcome. Without one it follows everything until Ctrl-C.
import { apiClient, CLIENT_OPTIONS, CLIENT_USAGE, type ApiClient } from '../api-client';
import { UsageError, type Command } from '../command';
import { exitCodeFor, followAll, followHeal, openSocket, UNSUCCESSFUL_OUTCOME_EXIT, type Emit } from '../heal-follow';

const HEAL_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;

export function timeoutFlag(value: unknown): number | null {
  if (value === undefined) return null;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got "${String(value)}"`);
  return seconds * 1000;
}

const printer = (json: boolean): Emit => (event, text) => process.stdout.write(`${json ? JSON.stringify(event) : text}\n`);
const warn = (text: string) => process.stderr.write(`selfheal watch: ${text}\n`);

/** Follows one heal and returns its exit status; the socket is closed whatever happens. */
export async function watchHeal(client: ApiClient, healId: string, json: boolean, timeoutMs: number | null): Promise<number> {
  const socket = await openSocket(client, warn);
  try {
    const outcome = await followHeal(client, socket, healId, printer(json), timeoutMs);
    if (!json) process.stdout.write(`heal ${healId}: ${outcome}\n`);
    return exitCodeFor(outcome);
  } finally {
    socket.close();
  }
}

export const watchCommand: Command = {
  name: 'watch',
  summary: 'follow heals live (one line per step); with a heal id, exit with its outcome',
  usage:
    `selfheal watch [HEAL_ID] [--timeout SECONDS] ${CLIENT_USAGE}\n` +
    `  with HEAL_ID: exit 0 when the heal is verified (or planned, for a dry run), ${UNSUCCESSFUL_OUTCOME_EXIT} for any other outcome, 1 on errors or timeout\n` +
    '  without: every heal step and analysis until Ctrl-C (or the timeout); --json prints each event envelope on a line',
  options: { ...CLIENT_OPTIONS, timeout: { type: 'string' } },
  allowPositionals: true,
  async run(values, positionals) {
    if (positionals.length > 1) throw new UsageError(`at most one heal id, got ${positionals.length}`);
    const [healId] = positionals;
    if (healId !== undefined && !HEAL_ID.test(healId)) throw new UsageError(`"${healId}" is not a heal id`);
    const timeoutMs = timeoutFlag(values.timeout);
    const json = values.json === true;
    const client = apiClient(values, 'viewer');
    if (healId !== undefined) return watchHeal(client, healId, json, timeoutMs);
    const socket = await openSocket(client, warn);
    try {
      return await followAll(socket, printer(json), timeoutMs, warn);
    } finally {
      socket.close();
    }
  },
};
