// How the CLI reaches a running API: --url and --token, else SELFHEAL_URL and SELFHEAL_TOKEN, else the local API
// with a short-lived token minted from the local configuration (what `selfheal token` would print).
import { userInfo } from 'node:os';
import { loadConfig } from '../config';
import { signToken, type Role } from '../auth/jwt';
import { UsageError } from './command';

export const DEFAULT_URL = 'http://127.0.0.1:3000';
/** Minted tokens live long enough for a long `watch`; reconnects mint a fresh one anyway. */
const MINTED_TTL_SECONDS = 3600;
const REQUEST_TIMEOUT_MS = 120_000;

/** The flags every command that talks to the API accepts. */
export const CLIENT_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const;
export const CLIENT_USAGE = '[--url URL] [--token JWT] [--json]';

export class ApiCallError extends Error {
  override name = 'ApiCallError';
  readonly body: Record<string, unknown> | null;
  constructor(readonly status: number, reply: unknown, what: string) {
    const body = typeof reply === 'object' && reply !== null ? (reply as Record<string, unknown>) : null;
    const field = typeof body?.field === 'string' ? ` (field ${body.field})` : '';
    super(`${what}: ${status} ${typeof body?.message === 'string' ? body.message : 'error'}${field}`);
    this.body = body;
  }
}

export interface ApiClient {
  url: string;
  /** A token for the handshake or a request (a fresh one each call when minted locally). */
  token(): string;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** call() that throws ApiCallError unless the status is one of `ok`. */
  expect(method: string, path: string, body?: unknown, ok?: number[]): Promise<unknown>;
}

type Values = Record<string, unknown>;

/** The CLI's own settings come from its flags and these two variables; the service's settings are src/config.ts. */
function fromEnvironment(name: 'SELFHEAL_URL' | 'SELFHEAL_TOKEN'): string | undefined {
  const value = process.env[name];
  return value ? value : undefined;
}

function tokenSource(values: Values, role: Role): () => string {
  const given = (values.token as string | undefined) ?? fromEnvironment('SELFHEAL_TOKEN');
  if (given) return () => given;
  let config;
  try {
    config = loadConfig();
    signToken(config, { sub: 'cli', role }, 1);
  } catch (err) {
    throw new UsageError(`no token: pass --token or set SELFHEAL_TOKEN (no local one could be minted: ${(err as Error).message.split('\n')[0]})`);
  }
  const sub = `cli:${userInfo().username}`;
  return () => signToken(config, { sub, role }, MINTED_TTL_SECONDS);
}

function baseUrl(values: Values): string {
  const raw = (values.url as string | undefined) ?? fromEnvironment('SELFHEAL_URL') ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be an http(s) URL, got "${raw}"`);
  return url.origin;
}

/** `role` is what a locally minted token gets: operator for commands that change things, viewer to read. */
export function apiClient(values: Values, role: Role): ApiClient {
  const url = baseUrl(values);
  const token = tokenSource(values, role);
  const call = async (method: string, path: string, body?: unknown) => {
    let response: Response;
    try {
      response = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`cannot reach the API at ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { cause: err });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { message: text.slice(0, 200) };
    }
    return { status: response.status, body: parsed };
  };
  return {
    url,
    token,
    call,
    async expect(method, path, body, ok = [200]) {
      const res = await call(method, path, body);
      if (!ok.includes(res.status)) throw new ApiCallError(res.status, res.body, `${method} ${path}`);
      return res.body;
    },
  };
}
