import { describe, expect, it } from 'vitest';
import { parseEventEnvelope } from '../../../src/adapters/rabbitmq/envelope-parser';
import { RecentIds } from '../../../src/adapters/rabbitmq/recent-ids';
import { EVENT_VERSION } from '../../../src/domain/events';

describe('RecentIds', () => {
  it('reports each id new once and forgets the oldest beyond its capacity', () => {
    const ids = new RecentIds(2);
    expect([ids.add('a'), ids.add('a'), ids.add('b'), ids.add('c')]).toEqual([true, false, true, true]);
    expect(ids.add('a')).toBe(true); // forgotten: 'a' was the oldest of three
    expect(ids.add('c')).toBe(false);
  });
});

describe('parseEventEnvelope', () => {
  const valid = {
    id: 'heal-x:planned',
    type: 'heal',
    version: EVENT_VERSION,
    at: '2025-01-01T00:00:00.000Z',
    workflowId: 'heal-x',
    runId: 'r1',
    service: 'x',
    step: 'planned',
    data: { a: 1 },
  };
  const parse = (value: unknown) => parseEventEnvelope(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));

  it('accepts a well-formed envelope', () => {
    expect(parse(valid)).toEqual(valid);
  });

  it.each([
    ['not JSON', '{'],
    ['an array', [valid]],
    ['null', null],
    ['an unknown type', { ...valid, type: 'other' }],
    ['another version', { ...valid, version: 2 }],
    ['an unparseable time', { ...valid, at: 'yesterday' }],
    ['an empty id', { ...valid, id: '' }],
    ['an oversized service', { ...valid, service: 's'.repeat(201) }],
    ['a malformed step', { ...valid, step: 'Planned!' }],
    ['data that is not an object', { ...valid, data: [1] }],
    ['a missing runId', { ...valid, runId: undefined }],
  ])('rejects %s', (_, value) => {
    expect(parse(value)).toBeNull();
  });
});
