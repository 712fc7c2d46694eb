// Live events for browsers: a Socket.IO server on the API's HTTP server. Every handshake carries a JWT; clients
// subscribe to one workflow, one service or everything, and this instance relays every event from its own feed.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type {} from '@fastify/jwt';
import { Server, type DefaultEventsMap, type Socket } from 'socket.io';
import type { EventFeed } from '../../adapters/ports';
import { socketEventName, type EventEnvelope } from '../../domain/events';
import { ROLES, type Role } from '../../auth/jwt';
import { scopeAllows, unscoped } from '../../auth/scope';

export const SOCKET_IO_PATH = '/socket.io';

export interface SocketIoPluginOptions {
  /** This instance's event feed; started when fastify is ready, closed with it. */
  feed: EventFeed;
  /** Browser origins allowed cross-origin; empty means same-origin only. */
  corsOrigins?: string[];
  maxHttpBufferSize?: number;
  /** Rooms one socket may join, so a client cannot grow server memory without bound. */
  maxSubscriptionsPerSocket?: number;
  /** Open connections one token subject may hold on this instance (SOCKET_MAX_CONNECTIONS_PER_SUBJECT). */
  maxConnectionsPerSubject?: number;
  /** Handshakes one client address may attempt per minute on this instance (SOCKET_HANDSHAKES_PER_MINUTE). */
  handshakesPerMinutePerAddress?: number;
}

export interface SocketUser {
  sub: string | null;
  role: Role;
  /** Epoch ms when the token expires: the socket is disconnected then. */
  expiresAt: number | null;
  /** The token's services claim (scoped tokens), or undefined for every service. */
  services?: string[];
}

export interface EventRelayStats {
  /** Events emitted to Socket.IO since start. */
  relayed: number;
  /** now - event.at of the last relayed event: publish-to-relay delay plus clock skew. */
  lastLagMs: number | null;
}

export type EventRelayServer = Server<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, { user: SocketUser }>;
type RelaySocket = Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, { user: SocketUser }>;

declare module 'fastify' {
  interface FastifyInstance {
    io: EventRelayServer;
    eventRelayStats: EventRelayStats;
    /** Calls `listener` with every event this instance relays (the metrics plugin counts heals and analyses). */
    onEventRelayed(listener: (event: EventEnvelope) => void): void;
  }
}

const MAX_FILTER_LENGTH = 200;
/** setTimeout's largest delay; a token living longer is checked again then. */
const MAX_TIMER_MS = 2_147_483_647;
const MAX_TOKEN_LENGTH = 8192;
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** The room for a subscription payload, or null when the payload is not exactly one well-formed filter. */
export function subscriptionRoom(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const entries = Object.entries(payload);
  if (entries.length !== 1) return null;
  const [key, value] = entries[0]!;
  if (key === 'all') return value === true ? 'all' : null;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_FILTER_LENGTH || CONTROL_CHARS.test(value)) {
    return null;
  }
  if (key === 'workflowId') return `wf:${value}`;
  if (key === 'service') return `svc:${value}`;
  return null;
}

function handshakeToken(socket: RelaySocket): string | null {
  const auth: unknown = socket.handshake.auth?.token;
  if (typeof auth === 'string') return auth;
  const header = socket.handshake.headers.authorization;
  const bearer = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return bearer?.[1] ?? null;
}

/** WebSocket upgrades ignore CORS, so the Origin a browser sends is checked here too (non-browser clients send none). */
function originAllowed(req: IncomingMessage, corsOrigins: string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || corsOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

async function socketIoPlugin(fastify: FastifyInstance, options: SocketIoPluginOptions): Promise<void> {
  if (!fastify.hasDecorator('jwt')) throw new Error('socket-io needs @fastify/jwt registered before it');
  const corsOrigins = options.corsOrigins ?? [];
  const maxSubscriptions = options.maxSubscriptionsPerSocket ?? 100;
  const maxPerSubject = options.maxConnectionsPerSubject ?? 20;
  const handshakesPerMinute = options.handshakesPerMinutePerAddress ?? 60;
  /** Open sockets per subject, and handshake times per address over the last minute (this instance only). */
  const perSubject = new Map<string, number>();
  const handshakes = new Map<string, number[]>();
  const sweep = setInterval(() => {
    const since = Date.now() - 60_000;
    for (const [address, times] of handshakes) if (times.every((t) => t < since)) handshakes.delete(address);
  }, 60_000);
  sweep.unref();
  const io: EventRelayServer = new Server(fastify.server, {
    path: SOCKET_IO_PATH,
    serveClient: false,
    maxHttpBufferSize: options.maxHttpBufferSize ?? 16 * 1024,
    // A connection that has not joined with a valid token by then is dropped (the default is 45 s).
    connectTimeout: 10_000,
    cors: corsOrigins.length > 0 ? { origin: corsOrigins, methods: ['GET', 'POST'] } : undefined,
    allowRequest: (req, callback) => {
      const allowed = originAllowed(req, corsOrigins);
      callback(allowed ? null : 'origin not allowed', allowed);
    },
  });

  io.use((socket, next) => {
    // Counted before the token is looked at: made-up tokens buy no extra attempts.
    const address = socket.handshake.address;
    const now = Date.now();
    const recent = (handshakes.get(address) ?? []).filter((t) => t > now - 60_000);
    recent.push(now);
    handshakes.set(address, recent);
    if (recent.length > handshakesPerMinute) {
      fastify.log.warn({ address }, 'socket.io handshake refused: too many from this address');
      next(new Error('too many handshakes from this address; retry in a minute'));
      return;
    }
    const token = handshakeToken(socket);
    try {
      if (!token || token.length > MAX_TOKEN_LENGTH) throw new Error('missing token');
      const claims = fastify.jwt.verify<Record<string, unknown>>(token);
      // Every role may watch; a token without a known role is refused.
      if (!(ROLES as readonly unknown[]).includes(claims.role)) throw new Error('token has no valid role claim');
      const sub = typeof claims.sub === 'string' ? claims.sub : null;
      const services = Array.isArray(claims.services) ? (claims.services as string[]) : undefined;
      const expiresAt = typeof claims.exp === 'number' ? claims.exp * 1000 : null;
      if (sub !== null && (perSubject.get(sub) ?? 0) >= maxPerSubject) {
        fastify.log.warn({ sub, address }, 'socket.io handshake refused: too many connections for this subject');
        next(new Error(`too many connections for this subject (at most ${maxPerSubject})`));
        return;
      }
      socket.data.user = { sub, role: claims.role as Role, expiresAt, ...(services ? { services } : {}) };
      next();
    } catch (err) {
      fastify.log.info({ err, address: socket.handshake.address }, 'socket.io handshake refused');
      next(new Error('unauthorized'));
    }
  });

  /** Scoped sockets subscribed to `all`: bounded by the connection limits, so the relay's loop over them is too. */
  const scopedAll = new Set<RelaySocket>();

  io.on('connection', (socket) => {
    const refuse = (reason: string): void => {
      fastify.log.warn({ socketId: socket.id, sub: socket.data.user.sub, reason }, 'disconnecting a socket.io client');
      socket.disconnect(true);
    };
    const { sub, expiresAt } = socket.data.user;
    if (sub !== null) perSubject.set(sub, (perSubject.get(sub) ?? 0) + 1);
    // The token is checked at the handshake only, so the socket ends when the token does.
    let expiry: NodeJS.Timeout | undefined;
    const armExpiry = (): void => {
      if (expiresAt === null) return;
      const left = expiresAt - Date.now();
      if (left <= 0) {
        socket.emit('token_expired', { message: 'the token has expired; reconnect with a new one' });
        refuse('token expired');
        return;
      }
      expiry = setTimeout(armExpiry, Math.min(left, MAX_TIMER_MS));
    };
    armExpiry();
    socket.on('disconnect', () => {
      clearTimeout(expiry);
      scopedAll.delete(socket);
      if (sub === null) return;
      const open = (perSubject.get(sub) ?? 1) - 1;
      if (open <= 0) perSubject.delete(sub);
      else perSubject.set(sub, open);
    });
    socket.onAny((event: string) => {
      if (event !== 'subscribe' && event !== 'unsubscribe') refuse(`unknown event ${event.slice(0, 50)}`);
    });
    const handle = (join: boolean) => (...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (reply: unknown) => void) : null;
      const room = args.length === 1 ? subscriptionRoom(args[0]) : null;
      if (room === null) {
        ack?.({ ok: false, error: 'invalid subscription: expected exactly one of workflowId, service, all' });
        refuse('invalid subscription payload');
        return;
      }
      // A scoped token watches its own services only: one of them by name, or `all`, which for it means all of its
      // own services (relayed one by one below); never a workflow, which could be another service's.
      const user = socket.data.user;
      if (!unscoped(user) && room === 'all') {
        if (join) scopedAll.add(socket);
        else scopedAll.delete(socket);
        ack?.({ ok: true });
        return;
      }
      if (join && !unscoped(user) && !(room.startsWith('svc:') && scopeAllows(user, room.slice(4)))) {
        ack?.({ ok: false, error: `this token is scoped to ${user.services!.join(', ')}: subscribe to one of its services, or to all of them` });
        return;
      }
      if (join && !socket.rooms.has(room) && socket.rooms.size > maxSubscriptions) {
        ack?.({ ok: false, error: `at most ${maxSubscriptions} subscriptions per connection` });
        return;
      }
      if (join) void socket.join(room);
      else void socket.leave(room);
      ack?.({ ok: true });
    };
    socket.on('subscribe', handle(true));
    socket.on('unsubscribe', handle(false));
  });

  const stats: EventRelayStats = { relayed: 0, lastLagMs: null };
  const listeners: ((event: EventEnvelope) => void)[] = [];
  const relay = (event: EventEnvelope): void => {
    // One emit to all three rooms: a socket in several of them still receives the event once.
    io.to(['all', `wf:${event.workflowId}`, `svc:${event.service}`]).emit(socketEventName(event), event);
    // Scoped sockets subscribed to all of their services: each gets the event once, if it is in its scope and the
    // room emit above has not reached it already.
    for (const socket of scopedAll) {
      if (scopeAllows(socket.data.user, event.service) && !socket.rooms.has(`svc:${event.service}`)) socket.emit(socketEventName(event), event);
    }
    stats.relayed += 1;
    stats.lastLagMs = Date.now() - Date.parse(event.at);
    for (const listener of listeners) listener(event);
  };

  fastify.decorate('io', io);
  fastify.decorate('eventRelayStats', stats);
  fastify.decorate('onEventRelayed', (listener: (event: EventEnvelope) => void) => {
    listeners.push(listener);
  });
  fastify.addHook('onReady', async () => {
    await options.feed.start(relay);
  });
  // Open websockets would keep fastify's server.close() waiting; io.close() would close fastify's server itself.
  fastify.addHook('preClose', async () => {
    io.engine.close();
  });
  fastify.addHook('onClose', async () => {
    clearInterval(sweep);
    await options.feed.close();
  });
}

export default fp(socketIoPlugin, { name: 'socket-io', fastify: '5.x' });
