// Start-up refusals about where selfheal's secrets and connections go (issue #15): the public development JWT
// secret only on a loopback-bound API; in production mode no default Neo4j or RabbitMQ credentials and no plaintext
// connection to a host that is not loopback (unless PLAINTEXT_ALLOWED_HOSTS names it: a private network the
// operator vouches for, such as docker-compose's). Also builds the Temporal connection's TLS (mTLS or API key).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { TLSConfig } from '@temporalio/client';
import type { Config } from './config';

export interface TemporalTls {
  enabled: boolean;
  caFile: string | undefined;
  certFile: string | undefined;
  keyFile: string | undefined;
  serverName: string | undefined;
  apiKeyFile: string | undefined;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

function credentialsOf(url: string): { user: string; password: string } | null {
  try {
    const u = new URL(url);
    return { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  } catch {
    return null;
  }
}

/** Default credentials of the local stack and of the servers' own first boot. */
const DEFAULT_NEO4J_PASSWORDS = new Set(['selfheal-local', 'neo4j', 'password', '']);

export function transportProblems(config: Config, localJwtSecret: string, plaintextAllowed: string[]): string[] {
  const problems: string[] = [];
  const trusted = (host: string) => isLoopbackHost(host) || plaintextAllowed.includes(host.toLowerCase());

  if (config.jwt.algorithm === 'HS256' && config.jwt.secret === localJwtSecret && !isLoopbackHost(config.api.host)) {
    problems.push(`JWT_SECRET is the public local development secret, accepted only when the API binds to loopback (API_HOST=${config.api.host}): set JWT_SECRET or use RS256/ES256`);
  }
  if (config.mode !== 'production') return problems;

  const { neo4j, rabbitmq, temporal } = config;
  if (DEFAULT_NEO4J_PASSWORDS.has(neo4j.password)) problems.push('NEO4J_PASSWORD is a default password: refusing to run in production mode');
  const amqp = credentialsOf(rabbitmq.url);
  if (amqp && amqp.user === 'guest' && amqp.password === 'guest') problems.push('RABBITMQ_URL uses the default guest:guest: refusing to run in production mode');
  if (rabbitmq.managementUser === 'guest' && rabbitmq.managementPassword === 'guest') {
    problems.push('RABBITMQ_MANAGEMENT_USER/RABBITMQ_MANAGEMENT_PASSWORD are the default guest:guest: refusing to run in production mode');
  }

  const plaintext = (name: string, url: string, secureSchemes: string[]) => {
    const host = hostOf(url);
    const scheme = url.split(':')[0]!.toLowerCase();
    if (host !== null && !secureSchemes.includes(scheme) && !trusted(host)) {
      problems.push(`${name} sends credentials in plaintext to ${host}: use ${secureSchemes.join(' or ')}:// (or list the host in PLAINTEXT_ALLOWED_HOSTS if it is on a private network you trust)`);
    }
  };
  plaintext('NEO4J_URI', neo4j.uri, ['bolt+s', 'neo4j+s', 'bolt+ssc', 'neo4j+ssc']);
  plaintext('RABBITMQ_URL', rabbitmq.url, ['amqps']);
  plaintext('RABBITMQ_MANAGEMENT_URL', rabbitmq.managementUrl, ['https']);
  // A webhook carries no credential but incident details, and its signature only proves integrity, not secrecy.
  for (const target of config.webhooks.targets) {
    const host = hostOf(target.url);
    if (host !== null && target.url.toLowerCase().startsWith('http:') && !trusted(host)) {
      problems.push(`WEBHOOK_URLS entry to ${host} is plain http: use https:// (or list the host in PLAINTEXT_ALLOWED_HOSTS)`);
    }
  }
  const temporalHost = temporal.address.replace(/:\d+$/, '');
  if (!temporal.tls.enabled && !trusted(temporalHost)) {
    problems.push(`TEMPORAL_ADDRESS ${temporal.address} is reached without TLS: set TEMPORAL_TLS=true (with TEMPORAL_TLS_CERT_FILE/KEY_FILE for mTLS, or TEMPORAL_API_KEY_FILE), or list the host in PLAINTEXT_ALLOWED_HOSTS`);
  }
  return problems;
}

export function temporalTlsProblems(tls: TemporalTls): string[] {
  const problems: string[] = [];
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) problems.push('TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE go together (mTLS)');
  return problems;
}

/** The connection options for Temporal: the address, TLS (server CA, client pair for mTLS) and an API key. */
export function temporalConnectionOptions(temporal: Config['temporal']): { address: string; tls?: TLSConfig; apiKey?: string } {
  const { tls } = temporal;
  if (!tls.enabled) return { address: temporal.address };
  const read = (file: string) => readFileSync(file);
  const config: TLSConfig = {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.caFile ? { serverRootCACertificate: read(tls.caFile) } : {}),
    ...(tls.certFile && tls.keyFile ? { clientCertPair: { crt: read(tls.certFile), key: read(tls.keyFile) } } : {}),
  };
  return { address: temporal.address, tls: config, ...(tls.apiKeyFile ? { apiKey: readFileSync(tls.apiKeyFile, 'utf8').trim() } : {}) };
}
