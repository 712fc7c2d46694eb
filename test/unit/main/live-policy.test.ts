// The worker's view of the policy in force: read from the store at most once per refresh period, so an edit through
// the API reaches running watches without a restart; a failed read or a document this release cannot parse keeps the
// last policy read.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { PolicyStore, StoredPolicy } from '../../../src/adapters/ports';
import { LivePolicy, policyVersion } from '../../../src/main/autopilot';

const doc = (text: string, source = 'api'): StoredPolicy => ({ text, version: policyVersion(text), source, updatedAt: 0, updatedBy: 'root' });

function store(initial: StoredPolicy): PolicyStore & { stored: StoredPolicy | Error; reads: number } {
  const s = {
    stored: initial as StoredPolicy | Error,
    reads: 0,
    current: async () => {
      s.reads++;
      if (s.stored instanceof Error) throw s.stored;
      return s.stored;
    },
    seed: async () => initial,
    replace: async () => ({ policy: initial, change: null }),
    changes: async () => [],
  };
  return s;
}

describe('LivePolicy', () => {
  it('re-reads at most once per period, and follows a new version', async () => {
    let now = 1000;
    const first = doc('services:\n  api: {}\n', 'file:/etc/autopilot.yaml');
    const s = store(first);
    const live = new LivePolicy(s, first, pino({ level: 'silent' }), () => now, 1000);
    expect(Object.keys((await live.current()).services)).toEqual(['api']);
    expect(s.reads).toBe(0);
    s.stored = doc('services:\n  api: {}\n  billing: {}\n');
    now += 999;
    expect(Object.keys((await live.current()).services)).toEqual(['api']);
    now += 1;
    const [a, b] = await Promise.all([live.current(), live.current()]);
    expect(s.reads).toBe(1);
    expect(a).toBe(b);
    expect(Object.keys(a.services)).toEqual(['api', 'billing']);
    expect([a.source, a.version, live.latest]).toEqual(['api', policyVersion('services:\n  api: {}\n  billing: {}\n'), a]);
  });

  it('keeps the last policy read when the store fails or holds a document it cannot parse', async () => {
    let now = 0;
    const first = doc('services:\n  api: {}\n');
    const s = store(first);
    const live = new LivePolicy(s, first, pino({ level: 'silent' }), () => now, 10);
    s.stored = new Error('neo4j unavailable');
    now = 20;
    expect((await live.current()).version).toBe(first.version);
    s.stored = doc('services:\n  api:\n    strategies:\n      gone_strategy: auto\n');
    now = 40;
    expect((await live.current()).version).toBe(first.version);
  });
});
