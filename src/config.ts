// The one reader of process.env. Every key has its env name, a default that runs the embedded local stack, and a doc.
// loadConfig() validates everything once and throws ConfigError listing every bad key.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { PlanPolicy } from './domain/planning';
import { parseQueueAllowlist } from './domain/inventory';
import { urlAllowed } from './domain/verifiers';
import { temporalTlsProblems, transportProblems, type TemporalTls } from './transport-policy';

export type Mode = 'development' | 'production';
export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

export interface Config {
  mode: Mode;
  logLevel: string;
  api: {
    host: string;
    port: number;
    /** Identifies this API instance; names its own RabbitMQ relay queue so every instance gets every event. */
    instanceId: string;
    bodyLimitBytes: number;
    corsOrigins: string[];
    rateLimitMax: number;
    rateLimitWindowMs: number;
    /** How long analyze waits for its workflow before answering 503 with the workflow id. */
    analyzeTimeoutMs: number;
    /**
     * How the API runs an analysis (docs/architecture.md, "Analyze"): `eager` starts the analyze workflow eagerly and
     * the API completes its one workflow task itself; `workflow` starts it through the server's task queue for the
     * workers, as before; `standalone` starts a Standalone Activity (measured, not shipped: docs/benchmarks.md).
     */
    analyzeShape: AnalyzeShape;
    /** How long a dry-run heal waits for its plan before answering 503 with the workflow id. */
    dryRunTimeoutMs: number;
    /** How far in the future an analysis's `at` may be (clock skew between the sender and selfheal). */
    analyzeMaxFutureSeconds: number;
    /** Socket.IO: open connections per token subject, handshakes per client address and minute (per instance). */
    socketMaxConnectionsPerSubject: number;
    socketHandshakesPerMinute: number;
    /** GET /why is one answer, not pages: its window is bounded instead. */
    whyMaxWindowSeconds: number;
  };
  jwt: {
    algorithm: JwtAlgorithm;
    /** HS256 only. */
    secret: string | undefined;
    /** RS256/ES256: one PEM public key. */
    publicKeyFile: string | undefined;
    /** RS256/ES256: a local JWKS file; tokens pick their key by `kid` (key rotation). */
    jwksFile: string | undefined;
    /** Only to mint tokens with `selfheal token`; the API never needs it. */
    privateKeyFile: string | undefined;
    issuer: string;
    audience: string;
    clockSkewSeconds: number;
    /** Lifetime of tokens minted by `selfheal token`. */
    ttlSeconds: number;
  };
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    /** Analyses only: polled by every worker; under ANALYZE_SHAPE=eager the API completes most tasks itself. */
    analyzeTaskQueue: string;
    uiUrl: string;
    tls: TemporalTls;
  };
  /** Hosts (besides loopback) that production mode may reach without TLS: a private network the operator trusts. */
  plaintextAllowedHosts: string[];
  neo4j: { uri: string; user: string; password: string; database: string };
  rabbitmq: { url: string; exchange: string; managementUrl: string; managementUser: string; managementPassword: string; vhost: string };
  /**
   * `ownerLabel`: when set, this worker's engine is shared by several host identities (the tests' two "hosts" on one
   * engine), and the worker sees only the containers whose label of that name is its WORKER_HOST_ID.
   */
  docker: { socketPath: string; image: string; ownerLabel: string | undefined };
  /** ewmaAlpha smooths the level (EWMA and Holt's level alike); hwBeta smooths Holt's trend. */
  detection: {
    ewmaAlpha: number;
    hwBeta: number;
    mediumZ: number;
    highZ: number;
    /** A late sample (not after its metric's newest) is judged against the baseline up to this far behind it. */
    lateWindowSeconds: number;
    /** A harmful sustained shift stays an open episode until it recovers, or for this many samples (0: until it recovers). */
    acceptAfterSamples: number;
    maxSeriesPerService: number;
    maxServices: number;
  };
  diagnosis: { rulesFile: string | undefined };
  /** The autopilot (docs/autopilot.md): off without a policy file. */
  autopilot: {
    policyFile: string | undefined;
    /** The id of this deployment's policy node in Neo4j (deployments that share a Neo4j keep theirs apart). */
    policyId: string;
    /** Seconds between two samples of a watched service. */
    intervalSeconds: number;
    /** Samples per run of a watch workflow before it continues as new (bounds its history). */
    samplesPerRun: number;
    openAfterSamples: number;
    resolveAfterCleanSamples: number;
    /** Heals one incident may start before it is escalated to a person. */
    maxAttempts: number;
    /** Bounds of one read of a Prometheus target (a service's `scrape` in the policy). */
    scrapeTimeoutMs: number;
    scrapeMaxBytes: number;
  };
  /**
   * Signed webhooks for the autopilot's notices (docs/autopilot.md, "Webhooks"): none when `targets` is empty. Every
   * target is under an `allowlist` prefix, and `secret` (WEBHOOK_SECRET or WEBHOOK_SECRET_FILE) signs every request.
   */
  webhooks: { targets: WebhookTarget[]; secret: string | undefined; allowlist: string[]; timeoutMs: number };
  /** The worker's health and metrics server (off when healthPort is null) and its shutdown. */
  worker: {
    healthHost: string;
    healthPort: number | null;
    sdkMetricsAddress: string | undefined;
    shutdownGraceSeconds: number;
    /** Prebundled workflow code to load instead of bundling at start (WORKFLOW_BUNDLE_PATH); see workflow-bundle.ts. */
    workflowBundlePath: string | undefined;
    /** This worker's host: it polls `<task queue>-docker-<hostId>` for the Docker actions on its engine. */
    hostId: string;
    /** Every host whose containers selfheal heals: planning asks each one's worker where a container runs. */
    dockerHosts: string[];
  };
  /** Analysis records older than `days` are deleted by the retention schedule, every `intervalMinutes`. */
  retention: { days: number; intervalMinutes: number };
  /** The transactional outbox's relay (src/adapters/neo4j/outbox.ts), run by every worker. */
  outbox: { sweepIntervalMs: number; minAgeMs: number; retentionSeconds: number };
  heal: PlanPolicy;
}

export const WEBHOOK_KINDS = ['generic', 'slack'] as const;
export interface WebhookTarget {
  kind: (typeof WEBHOOK_KINDS)[number];
  url: string;
}

export const ANALYZE_SHAPES = ['eager', 'workflow', 'standalone'] as const;
export type AnalyzeShape = (typeof ANALYZE_SHAPES)[number];

/** Service names of selfheal's own infrastructure: never healed, whatever a container's labels say. */
export const DEFAULT_PROTECTED_SERVICES = ['selfheal', 'selfheal-*', 'temporal*', 'neo4j*', 'rabbitmq*', 'postgres*'];

const HOST_ID = /^[A-Za-z0-9._-]{1,100}$/;

export const LOCAL_JWT_SECRET = 'selfheal-local-development-secret-not-for-production';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  str(name: string, fallback: string): string {
    const v = this.env[name];
    return v === undefined || v === '' ? fallback : v;
  }

  optional(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v === '' ? undefined : v;
  }

  /**
   * A secret: NAME, or else the content of the file that NAME_FILE names (a Docker or Kubernetes secret mounted as a
   * file), without its trailing line breaks. Both set, an unreadable file or an empty one is a problem naming the
   * variable; the value itself never appears in a message.
   */
  secret(name: string, fallback: string): string {
    return this.secretOptional(name) ?? fallback;
  }

  secretOptional(name: string): string | undefined {
    const direct = this.optional(name);
    const file = this.optional(`${name}_FILE`);
    if (file === undefined) return direct;
    if (direct !== undefined) {
      this.problems.push(`${name} and ${name}_FILE are both set: set one of them`);
      return direct;
    }
    let content: string;
    try {
      content = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      this.problems.push(`${name}_FILE=${file}: cannot read the file (${code})`);
      return undefined;
    }
    const value = content.replace(/[\r\n]+$/, '');
    if (value === '') {
      this.problems.push(`${name}_FILE=${file}: the file is empty`);
      return undefined;
    }
    return value;
  }

  num(name: string, fallback: number, min: number, max: number, integer = false): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      this.problems.push(`${name}=${raw}: expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`);
      return fallback;
    }
    return v;
  }

  list(name: string, fallback: string[]): string[] {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    return raw.split(',').map((s) => s.trim()).filter(Boolean);
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name}=${raw}: expected one of ${allowed.join(', ')}`);
      return fallback;
    }
    return raw as T;
  }
}

export function loadConfig(env: Env = process.env): Config {
  const r = new Reader(env);
  const mode = r.oneOf<Mode>('SELFHEAL_MODE', 'development', ['development', 'production']);
  const port = r.num('API_PORT', 3000, 0, 65535, true);
  const host = r.str('API_HOST', '127.0.0.1');
  const jwtAlgorithm = r.oneOf<JwtAlgorithm>('JWT_ALGORITHM', 'HS256', ['HS256', 'RS256', 'ES256']);
  const taskQueue = r.str('TEMPORAL_TASK_QUEUE', 'selfheal');
  const hostId = r.str('WORKER_HOST_ID', os.hostname());
  const config: Config = {
    mode,
    logLevel: r.oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    api: {
      host,
      port,
      // Unique per host by default (a container's hostname is its id), so replicas never share a relay queue.
      instanceId: r.str('API_INSTANCE_ID', `api-${os.hostname()}-${port}`),
      bodyLimitBytes: r.num('API_BODY_LIMIT_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024, true),
      corsOrigins: r.list('CORS_ORIGINS', []),
      rateLimitMax: r.num('RATE_LIMIT_MAX', 600, 1, 1_000_000, true),
      rateLimitWindowMs: r.num('RATE_LIMIT_WINDOW_MS', 60_000, 1000, 3_600_000, true),
      analyzeTimeoutMs: r.num('ANALYZE_TIMEOUT_MS', 15_000, 100, 600_000, true),
      analyzeShape: r.oneOf<AnalyzeShape>('ANALYZE_SHAPE', 'eager', ANALYZE_SHAPES),
      dryRunTimeoutMs: r.num('DRY_RUN_TIMEOUT_MS', 10_000, 100, 600_000, true),
      analyzeMaxFutureSeconds: r.num('ANALYZE_MAX_FUTURE_SECONDS', 300, 0, 100 * 366 * 24 * 3600, true),
      socketMaxConnectionsPerSubject: r.num('SOCKET_MAX_CONNECTIONS_PER_SUBJECT', 20, 1, 10_000, true),
      socketHandshakesPerMinute: r.num('SOCKET_HANDSHAKES_PER_MINUTE', 60, 1, 100_000, true),
      whyMaxWindowSeconds: r.num('AUDIT_WHY_MAX_WINDOW_SECONDS', 7 * 24 * 3600, 60, 366 * 24 * 3600, true),
    },
    jwt: {
      algorithm: jwtAlgorithm,
      secret: jwtAlgorithm === 'HS256' ? (r.secretOptional('JWT_SECRET') ?? LOCAL_JWT_SECRET) : undefined,
      publicKeyFile: r.optional('JWT_PUBLIC_KEY_FILE'),
      jwksFile: r.optional('JWT_JWKS_FILE'),
      privateKeyFile: r.optional('JWT_PRIVATE_KEY_FILE'),
      issuer: r.str('JWT_ISSUER', 'selfheal'),
      audience: r.str('JWT_AUDIENCE', 'selfheal-api'),
      clockSkewSeconds: r.num('JWT_CLOCK_SKEW_SECONDS', 30, 0, 300, true),
      ttlSeconds: r.num('JWT_TTL_SECONDS', 12 * 3600, 60, 30 * 24 * 3600, true),
    },
    temporal: {
      address: r.str('TEMPORAL_ADDRESS', '127.0.0.1:7233'),
      namespace: r.str('TEMPORAL_NAMESPACE', 'default'),
      taskQueue,
      analyzeTaskQueue: r.str('TEMPORAL_ANALYZE_TASK_QUEUE', `${taskQueue}-analyze`),
      uiUrl: r.str('TEMPORAL_UI_URL', 'http://127.0.0.1:8233'),
      tls: temporalTls(r),
    },
    plaintextAllowedHosts: r.list('PLAINTEXT_ALLOWED_HOSTS', []).map((h) => h.toLowerCase()),
    neo4j: {
      uri: r.str('NEO4J_URI', 'bolt://127.0.0.1:7687'),
      user: r.str('NEO4J_USER', 'neo4j'),
      password: r.secret('NEO4J_PASSWORD', 'selfheal-local'),
      database: r.str('NEO4J_DATABASE', 'neo4j'),
    },
    rabbitmq: {
      url: r.secret('RABBITMQ_URL', 'amqp://guest:guest@127.0.0.1:5672'),
      exchange: r.str('RABBITMQ_EXCHANGE', 'selfheal.events'),
      managementUrl: r.str('RABBITMQ_MANAGEMENT_URL', 'http://127.0.0.1:15672'),
      managementUser: r.str('RABBITMQ_MANAGEMENT_USER', 'guest'),
      managementPassword: r.secret('RABBITMQ_MANAGEMENT_PASSWORD', 'guest'),
      vhost: r.str('RABBITMQ_VHOST', '/'),
    },
    docker: {
      socketPath: r.str('DOCKER_SOCKET', '/var/run/docker.sock'),
      image: r.str('DEMO_IMAGE', 'selfheal/busybox:1'),
      ownerLabel: r.optional('DOCKER_OWNER_LABEL'),
    },
    detection: {
      ewmaAlpha: r.num('EWMA_ALPHA', 0.3, 0.001, 1),
      hwBeta: r.num('HW_BETA', 0.05, 0, 1),
      mediumZ: r.num('ANOMALY_MEDIUM_Z', 2, 0.5, 100),
      highZ: r.num('ANOMALY_HIGH_Z', 3, 0.5, 100),
      lateWindowSeconds: r.num('LATE_SAMPLE_WINDOW_SECONDS', 600, 0, 7 * 24 * 3600),
      acceptAfterSamples: r.num('EPISODE_ACCEPT_AFTER_SAMPLES', 0, 0, 1_000_000, true),
      maxSeriesPerService: r.num('MAX_SERIES_PER_SERVICE', 200, 1, 100_000, true),
      maxServices: r.num('MAX_SERVICES', 10_000, 1, 10_000_000, true),
    },
    diagnosis: { rulesFile: r.optional('RULES_FILE') },
    autopilot: {
      policyFile: r.optional('AUTOPILOT_POLICY_FILE'),
      policyId: r.str('AUTOPILOT_POLICY_ID', 'current'),
      intervalSeconds: r.num('AUTOPILOT_INTERVAL_SECONDS', 2, 0.5, 3600),
      samplesPerRun: r.num('AUTOPILOT_SAMPLES_PER_RUN', 500, 10, 10_000, true),
      openAfterSamples: r.num('AUTOPILOT_OPEN_AFTER_SAMPLES', 1, 1, 100, true),
      resolveAfterCleanSamples: r.num('AUTOPILOT_RESOLVE_AFTER_CLEAN_SAMPLES', 3, 1, 1000, true),
      maxAttempts: r.num('AUTOPILOT_MAX_ATTEMPTS', 2, 1, 20, true),
      scrapeTimeoutMs: r.num('AUTOPILOT_SCRAPE_TIMEOUT_MS', 2000, 100, 60_000, true),
      scrapeMaxBytes: r.num('AUTOPILOT_SCRAPE_MAX_BYTES', 1 << 20, 1024, 64 << 20, true),
    },
    webhooks: {
      targets: [],
      secret: r.secretOptional('WEBHOOK_SECRET'),
      allowlist: r.list('WEBHOOK_ALLOWLIST', []),
      timeoutMs: r.num('WEBHOOK_TIMEOUT_MS', 5000, 100, 20_000, true),
    },
    worker: {
      healthHost: r.str('WORKER_HEALTH_HOST', '127.0.0.1'),
      healthPort: r.optional('WORKER_HEALTH_PORT') === undefined ? null : r.num('WORKER_HEALTH_PORT', 0, 0, 65535, true),
      sdkMetricsAddress: r.optional('WORKER_SDK_METRICS_ADDRESS'),
      shutdownGraceSeconds: r.num('WORKER_SHUTDOWN_GRACE_SECONDS', 10, 0, 600),
      workflowBundlePath: r.optional('WORKFLOW_BUNDLE_PATH'),
      hostId,
      dockerHosts: r.list('WORKER_DOCKER_HOSTS', [hostId]),
    },
    retention: {
      days: r.num('AUDIT_RETENTION_DAYS', 30, 1, 36_500, true),
      intervalMinutes: r.num('AUDIT_RETENTION_INTERVAL_MINUTES', 60, 1, 7 * 24 * 60, true),
    },
    outbox: {
      sweepIntervalMs: r.num('OUTBOX_SWEEP_INTERVAL_MS', 1000, 50, 600_000, true),
      minAgeMs: r.num('OUTBOX_MIN_AGE_MS', 2000, 0, 600_000, true),
      retentionSeconds: r.num('OUTBOX_RETENTION_SECONDS', 3600, 0, 30 * 24 * 3600, true),
    },
    heal: {
      verifyHttpAllowlist: r.list('VERIFY_HTTP_ALLOWLIST', ['http://127.0.0.1:3000/health']),
      budgetMax: r.num('HEAL_BUDGET_MAX', 20, 1, 10_000, true),
      budgetPerServiceMax: r.num('HEAL_BUDGET_PER_SERVICE_MAX', 5, 1, 10_000, true),
      budgetWindowSeconds: r.num('HEAL_BUDGET_WINDOW_SECONDS', 3600, 1, 30 * 24 * 3600, true),
      circuitBreakerFailures: r.num('CIRCUIT_BREAKER_FAILURES', 3, 1, 1000, true),
      approvalTimeoutSeconds: r.num('APPROVAL_TIMEOUT_SECONDS', 900, 1, 7 * 24 * 3600, true),
      verifyIntervalSeconds: r.num('VERIFY_INTERVAL_SECONDS', 2, 0.1, 3600),
      verifyAttempts: r.num('VERIFY_ATTEMPTS', 10, 1, 1000, true),
      backpressureReleaseSeconds: r.num('HEAL_BACKPRESSURE_RELEASE_SECONDS', 900, 0, 7 * 24 * 3600, true),
      managedServices: r.list('HEAL_MANAGED_SERVICES', []),
      protectedServices: r.list('HEAL_PROTECTED_SERVICES', DEFAULT_PROTECTED_SERVICES),
      queueAllowlist: [],
    },
  };
  const queues = parseQueueAllowlist(r.list('HEAL_QUEUE_ALLOWLIST', []));
  config.heal.queueAllowlist = queues.entries;
  r.problems.push(...queues.problems);
  for (const [name, ids] of [['WORKER_HOST_ID', [hostId]], ['WORKER_DOCKER_HOSTS', config.worker.dockerHosts]] as const) {
    const bad = ids.filter((id) => !HOST_ID.test(id));
    // A host id is part of a task queue name.
    if (bad.length > 0) r.problems.push(`${name}: ${bad.map((b) => JSON.stringify(b)).join(', ')} is not a host id (letters, digits, '.', '_' and '-', at most 100)`);
  }
  config.webhooks.targets = webhookTargets(r.list('WEBHOOK_URLS', []), config.webhooks, r.problems);
  if (config.detection.highZ < config.detection.mediumZ) {
    r.problems.push('ANOMALY_HIGH_Z must be at least ANOMALY_MEDIUM_Z');
  }
  checkJwt(config, env, r.problems);
  checkCorsOrigins(config.api.corsOrigins, r.problems);
  r.problems.push(...temporalTlsProblems(config.temporal.tls), ...transportProblems(config, LOCAL_JWT_SECRET, config.plaintextAllowedHosts));
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

/**
 * WEBHOOK_URLS entries: `slack=<url>`, `generic=<url>` or a bare URL (generic). Each must be under a WEBHOOK_ALLOWLIST
 * prefix (the verifiers' rule: same origin, path below the prefix), and any target needs a secret to sign with.
 */
function webhookTargets(entries: string[], webhooks: Config['webhooks'], problems: string[]): WebhookTarget[] {
  const targets: WebhookTarget[] = entries.map((entry) => {
    const kind = /^(generic|slack)=/.exec(entry)?.[1] as WebhookTarget['kind'] | undefined;
    return { kind: kind ?? 'generic', url: kind ? entry.slice(kind.length + 1) : entry };
  });
  targets.forEach((t, i) => {
    // Named by position and origin only: a webhook URL's path is often its secret (Slack's are).
    if (!urlAllowed(t.url, webhooks.allowlist)) problems.push(`WEBHOOK_URLS entry ${i + 1} (${webhookOrigin(t.url)}): not an http(s) URL under a WEBHOOK_ALLOWLIST prefix`);
  });
  if (targets.length > 0 && webhooks.secret === undefined) problems.push('WEBHOOK_URLS needs WEBHOOK_SECRET (or WEBHOOK_SECRET_FILE) to sign with');
  else if (webhooks.secret !== undefined && webhooks.secret.length < 32) problems.push('WEBHOOK_SECRET must be at least 32 characters');
  return targets;
}

/** A webhook URL as logs and messages may show it: its origin, never its path or query. */
export function webhookOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'not a URL';
  }
}

function temporalTls(r: Reader): TemporalTls {
  const tls = {
    caFile: r.optional('TEMPORAL_TLS_CA_FILE'),
    certFile: r.optional('TEMPORAL_TLS_CERT_FILE'),
    keyFile: r.optional('TEMPORAL_TLS_KEY_FILE'),
    serverName: r.optional('TEMPORAL_TLS_SERVER_NAME'),
    apiKeyFile: r.optional('TEMPORAL_API_KEY_FILE'),
  };
  // Any TLS setting (or an API key, which must never travel in plaintext) turns TLS on.
  const implied = Object.values(tls).some((v) => v !== undefined);
  const enabled = r.oneOf('TEMPORAL_TLS', implied ? 'true' : 'false', ['true', 'false']) === 'true' || implied;
  return { enabled, ...tls };
}

function checkJwt(config: Config, env: Env, problems: string[]): void {
  const { jwt, mode } = config;
  if (jwt.algorithm === 'HS256') {
    if (jwt.publicKeyFile || jwt.jwksFile) problems.push('JWT_PUBLIC_KEY_FILE and JWT_JWKS_FILE need JWT_ALGORITHM=RS256 or ES256, not HS256');
    if (mode === 'production') {
      if (jwt.secret === LOCAL_JWT_SECRET) problems.push('JWT_SECRET is the local development secret: refusing to run in production mode');
      // Whoever can check an HS256 token can also mint one; production verifies with a public key only.
      problems.push('JWT_ALGORITHM=HS256 is for local use: production mode needs RS256 or ES256 with JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE');
    } else if (jwt.secret!.length < 32) problems.push('JWT_SECRET must be at least 32 characters');
    return;
  }
  // An HS256 secret beside a public key invites algorithm confusion; refuse the mix outright.
  for (const name of ['JWT_SECRET', 'JWT_SECRET_FILE']) {
    if (env[name]) problems.push(`${name} is only for HS256; JWT_ALGORITHM=${jwt.algorithm} verifies with a public key`);
  }
  if (jwt.publicKeyFile && jwt.jwksFile) problems.push('set JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE, not both');
  else if (!jwt.publicKeyFile && !jwt.jwksFile) {
    problems.push(`JWT_ALGORITHM=${jwt.algorithm} needs a key: JWT_PUBLIC_KEY_FILE (PEM) or JWT_JWKS_FILE (JWKS)${mode === 'production' ? '; refusing to run in production mode without one' : ''}`);
  }
}

/** Exactly an http(s) origin as browsers send it: no path, no trailing slash, no wildcard. */
function isOrigin(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === raw;
  } catch {
    return false;
  }
}

function checkCorsOrigins(origins: string[], problems: string[]): void {
  for (const origin of origins.filter((o) => !isOrigin(o))) {
    problems.push(`CORS_ORIGINS entry ${JSON.stringify(origin)}: expected an origin such as https://ops.example.com (scheme, host, optional port; no path, no "*")`);
  }
}
