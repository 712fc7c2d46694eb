// The request schemas of every route, read back from the served OpenAPI document (so new routes are covered): every
// string, number, array and map is bounded, every object with fields refuses unknown ones, and the running API
// really refuses them. Also: the document and the Swagger UI are served, the UI from local files only, and it renders.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../../src/auth/jwt';
import type { Config } from '../../../src/config';
import { startApi } from '../../../src/main/api';
import { openBrowser } from '../../helpers/browser';
import { testConfig } from '../../helpers/stack';

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  parameters?: { in: string; name: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema; example?: Record<string, unknown> }> };
  security?: unknown[];
  'x-required-role'?: string;
}

let app: FastifyInstance;
let config: Config;
let url: string;
let doc: { openapi: string; security: unknown[]; paths: Record<string, Record<string, Operation>> };
let operations: Operation[];

beforeAll(async () => {
  config = testConfig();
  app = await startApi(config);
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  doc = await (await fetch(`${url}/openapi.json`)).json();
  operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })));
});

afterAll(async () => {
  await app?.close();
});

const UNBOUNDED_PATTERN = /\*|\+|\{\d+,\}/;

/** What is unbounded or open in a request schema, as "where: what" lines. */
function unbounded(schema: Schema | undefined, where: string): string[] {
  if (!schema || typeof schema !== 'object') return [];
  const problems = [...['anyOf', 'oneOf', 'allOf'].flatMap((k) => (schema[k] ?? []).flatMap((s: Schema) => unbounded(s, where))), ...unbounded(schema.then, where), ...unbounded(schema.else, where)];
  for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) problems.push(...unbounded(property, `${where}.${name}`));
  if (schema.enum || 'const' in schema) return problems;
  switch (schema.type) {
    case 'string':
      if (schema.maxLength === undefined && (!schema.pattern || UNBOUNDED_PATTERN.test(schema.pattern))) problems.push(`${where}: string without a length bound`);
      break;
    case 'number':
    case 'integer':
      if (!Number.isFinite(schema.minimum) || !Number.isFinite(schema.maximum)) problems.push(`${where}: number without a minimum and a maximum`);
      break;
    case 'array':
      if (schema.maxItems === undefined) problems.push(`${where}: array without maxItems`);
      problems.push(...unbounded(schema.items, `${where}[]`));
      break;
    case 'object':
      if (schema.properties && schema.additionalProperties !== false) problems.push(`${where}: accepts unknown fields`);
      if (typeof schema.additionalProperties === 'object') {
        if (schema.maxProperties === undefined || !schema.propertyNames) problems.push(`${where}: map without maxProperties and propertyNames`);
        problems.push(...unbounded(schema.propertyNames, `${where} key`), ...unbounded(schema.additionalProperties, `${where}.*`));
      }
      break;
  }
  return problems;
}

describe('request schemas in the OpenAPI document', () => {
  it('bound every string, number, array and map, and refuse unknown fields, on every route', () => {
    const problems = operations.flatMap((op) => [
      ...(op.parameters ?? []).flatMap((p) => unbounded(p.schema, `${op.method} ${op.path} ${p.in} ${p.name}`)),
      ...Object.values(op.requestBody?.content ?? {}).flatMap((c) => unbounded(c.schema, `${op.method} ${op.path} body`)),
    ]);
    expect(problems).toEqual([]);
    expect(operations.filter((op) => op.requestBody).length).toBeGreaterThanOrEqual(5);
  });

  it('say every route needs a bearer token and which role', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(operations.filter((op) => !['viewer', 'operator', 'admin'].includes(op['x-required-role'] ?? '')).map((op) => op.path)).toEqual([]);
  });
});

describe('the running API refuses unknown fields', () => {
  const send = (op: Operation, path: string, body?: unknown) =>
    fetch(url + path, {
      method: op.method,
      headers: { authorization: `Bearer ${signToken(config, { sub: 'schemas', role: 'admin' })}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const concrete = (op: Operation) => op.path.replace(/\{[^}]+\}/g, 'heal-schemas-1');

  it('in every body and every query string, naming the field', async () => {
    let checked = 0;
    for (const op of operations) {
      const content = op.requestBody?.content['application/json'];
      const required = (op.parameters ?? []).filter((p) => p.in === 'query' && p.required).map((p) => `${p.name}=checkout&`);
      const res = content
        ? await send(op, concrete(op), { ...(content.example ?? {}), unexpected_field: 1 })
        : await send(op, `${concrete(op)}?${required.join('')}unexpected_field=1`);
      expect(res.status, `${op.method} ${op.path}`).toBe(400);
      expect(await res.json(), `${op.method} ${op.path}`).toMatchObject({ error: 'validation_error', field: 'unexpected_field', reason: 'unknown field' });
      checked++;
    }
    expect(checked).toBe(operations.length);
  });

  it('deep inside a heal request too', async () => {
    const heal = operations.find((op) => op.path.endsWith('/heal') && op.method === 'POST')!;
    const example = heal.requestBody!.content['application/json']!.example as { issue: { diagnosis: object }; context: object };
    const cases: [unknown, string][] = [
      [{ ...example, issue: { diagnosis: { ...example.issue.diagnosis, severity: 'high' } } }, 'issue.diagnosis.severity'],
      [{ ...example, context: { ...example.context, hosts: ['db'] } }, 'context.hosts'],
      [{ ...example, verify: [{ name: 'http_probe', params: { url: 'http://127.0.0.1:3000/health', method: 'DELETE' } }] }, 'verify.0.params.method'],
    ];
    for (const [body, field] of cases) {
      const res = await send(heal, '/api/self_healing/heal', body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field, reason: 'unknown field' });
    }
  });
});

describe('Swagger UI at /docs', () => {
  it('is served with every asset from the API itself (it works offline) and a CSP of its own', async () => {
    const page = await fetch(`${url}/docs/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self';/);
    expect(csp).not.toMatch(/https:|upgrade-insecure-requests|validator\.swagger\.io/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset, asset).not.toMatch(/^(https?:)?\/\//);
      expect((await fetch(new URL(asset, `${url}/docs/`))).status, asset).toBe(200);
    }
    const initializer = await (await fetch(`${url}/docs/static/swagger-initializer.js`)).text();
    expect(initializer).toContain('"validatorUrl":null');
    expect((await (await fetch(`${url}/docs/json`)).json()).paths).toEqual(doc.paths);
  });

  it('renders every operation in headless Chromium under its CSP, loading nothing from elsewhere', async () => {
    const browser = await openBrowser('swagger-ui');
    const requested: string[] = [];
    browser.page.on('request', (request) => requested.push(request.url()));
    try {
      await browser.page.goto(`${url}/docs/`);
      await browser.page.waitForSelector('.opblock-summary', { timeout: 30_000 });
      expect(await browser.page.locator('.opblock-summary').count()).toBe(operations.length);
      expect(browser.errors).toEqual([]);
      expect(requested.filter((r) => !r.startsWith(url) && !r.startsWith('data:'))).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
