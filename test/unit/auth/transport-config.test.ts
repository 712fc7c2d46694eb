// Start-up refusals about secrets and transport (issue #15): the public development JWT secret only on a loopback
// API; in production no default Neo4j or RabbitMQ credentials and no plaintext to a host that is not loopback
// (unless PLAINTEXT_ALLOWED_HOSTS vouches for it); TLS (mTLS, API key) for Temporal.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';
import { isLoopbackHost, temporalConnectionOptions } from '../../../src/transport-policy';
import { keyFolder, pemOf, rsaKeys } from '../../helpers/tokens';
import { configProblems } from '../../helpers/config';

const file = keyFolder('selfheal-transport-');
const rsaPublic = file('rsa.pub.pem', pemOf(rsaKeys().publicKey));


const production = {
  SELFHEAL_MODE: 'production',
  JWT_ALGORITHM: 'RS256',
  JWT_PUBLIC_KEY_FILE: rsaPublic,
  NEO4J_PASSWORD: 'a-password-of-its-own',
  RABBITMQ_URL: 'amqp://selfheal:s3cret@127.0.0.1:5672',
  RABBITMQ_MANAGEMENT_USER: 'selfheal',
  RABBITMQ_MANAGEMENT_PASSWORD: 's3cret',
};

describe('the development JWT secret', () => {
  it('is accepted on a loopback API only', () => {
    expect(configProblems({ API_HOST: '127.0.0.1' })).toEqual([]);
    expect(configProblems({ API_HOST: '::1' })).toEqual([]);
    for (const host of ['0.0.0.0', '10.1.2.3', 'api.example.com', '::']) {
      expect(configProblems({ API_HOST: host }), host).toEqual([expect.stringMatching(/^JWT_SECRET is the public local development secret, accepted only when the API binds to loopback/)]);
    }
    expect(configProblems({ API_HOST: '0.0.0.0', JWT_SECRET: 'y'.repeat(40) })).toEqual([]);
  });

  it('isLoopbackHost knows loopback from look-alikes', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].map(isLoopbackHost)).toEqual([true, true, true, true, true]);
    expect(['0.0.0.0', '127.0.0.1.example.com', '10.0.0.1', '::'].map(isLoopbackHost)).toEqual([false, false, false, false]);
  });
});

describe('production mode', () => {
  it('runs with credentials of its own on loopback', () => {
    expect(configProblems(production)).toEqual([]);
  });

  it('refuses the default Neo4j and RabbitMQ credentials', () => {
    expect(configProblems({ ...production, NEO4J_PASSWORD: 'selfheal-local' })).toEqual(['NEO4J_PASSWORD is a default password: refusing to run in production mode']);
    expect(configProblems({ ...production, RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672' })).toEqual(['RABBITMQ_URL uses the default guest:guest: refusing to run in production mode']);
    expect(configProblems({ ...production, RABBITMQ_MANAGEMENT_USER: 'guest', RABBITMQ_MANAGEMENT_PASSWORD: 'guest' })).toHaveLength(1);
  });

  it('refuses plaintext to a host that is not loopback, unless TLS or PLAINTEXT_ALLOWED_HOSTS', () => {
    const remote = { ...production, NEO4J_URI: 'bolt://db.internal:7687', RABBITMQ_URL: 'amqp://selfheal:s3cret@mq.internal:5672', RABBITMQ_MANAGEMENT_URL: 'http://mq.internal:15672', TEMPORAL_ADDRESS: 'temporal.internal:7233' };
    expect(configProblems(remote)).toEqual([
      expect.stringMatching(/^NEO4J_URI sends credentials in plaintext to db.internal/),
      expect.stringMatching(/^RABBITMQ_URL sends credentials in plaintext to mq.internal/),
      expect.stringMatching(/^RABBITMQ_MANAGEMENT_URL sends credentials in plaintext to mq.internal/),
      expect.stringMatching(/^TEMPORAL_ADDRESS temporal.internal:7233 is reached without TLS/),
    ]);
    const secured = { ...remote, NEO4J_URI: 'neo4j+s://db.internal:7687', RABBITMQ_URL: 'amqps://selfheal:s3cret@mq.internal:5671', RABBITMQ_MANAGEMENT_URL: 'https://mq.internal:15671', TEMPORAL_TLS: 'true' };
    expect(configProblems(secured)).toEqual([]);
    expect(configProblems({ ...remote, PLAINTEXT_ALLOWED_HOSTS: 'db.internal,MQ.internal,temporal.internal' })).toEqual([]);
  });

  it('is development mode that allows plaintext (the local stack)', () => {
    expect(configProblems({ NEO4J_URI: 'bolt://db.internal:7687' })).toEqual([]);
  });
});

describe('Temporal TLS', () => {
  it('builds mTLS and API key options from files; any TLS setting turns TLS on', () => {
    const ca = file('ca.pem', 'CA');
    const crt = file('client.pem', 'CRT');
    const key = file('client.key', 'KEY');
    const apiKey = file('api-key', 'secret-key\n');
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal.example.com:7233', TEMPORAL_TLS_CA_FILE: ca, TEMPORAL_TLS_CERT_FILE: crt, TEMPORAL_TLS_KEY_FILE: key, TEMPORAL_TLS_SERVER_NAME: 'temporal', TEMPORAL_API_KEY_FILE: apiKey });
    expect(config.temporal.tls.enabled).toBe(true);
    const options = temporalConnectionOptions(config.temporal);
    expect(options.address).toBe('temporal.example.com:7233');
    expect(options.apiKey).toBe('secret-key');
    expect(options.tls?.serverNameOverride).toBe('temporal');
    expect(Buffer.from(options.tls!.serverRootCACertificate!).toString()).toBe('CA');
    expect(Buffer.from(options.tls!.clientCertPair!.crt).toString()).toBe('CRT');
    expect(temporalConnectionOptions(loadConfig({}).temporal)).toEqual({ address: '127.0.0.1:7233' });
  });

  it('refuses half an mTLS pair', () => {
    expect(configProblems({ TEMPORAL_TLS_CERT_FILE: '/x.pem' })).toEqual(['TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE go together (mTLS)']);
  });
});
