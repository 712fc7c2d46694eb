// Incidents: troubles of one service grouped while it lasts, hysteresis on opening and resolving, at most one heal
// in flight, bounded attempts, and blindness that is neither health nor trouble.
import { describe, expect, it } from 'vitest';
import { EMPTY_MEMORY, healFinished, healStarted, MAX_TROUBLES, observe, type Incident, type IncidentSettings, type WatchMemory } from '../../../../src/domain/autopilot';

const settings: IncidentSettings = { openAfterSamples: 2, resolveAfterCleanSamples: 3, maxAttempts: 2 };
const UNHEALTHY = 'container:api-1:unhealthy';

/** Folds samples in order (`T` troubled with `troubles`, `.` clean, `?` blind); returns the memory and every change. */
function run(pattern: string, memory: WatchMemory = EMPTY_MEMORY, troubles = [UNHEALTHY]) {
  const changes: string[] = [];
  [...pattern].forEach((c, i) => {
    const r = observe(memory, { at: 1000 * (i + 1), troubles: c === 'T' ? troubles : [], blind: c === '?' }, settings, `inc-${i + 1}`, 'api');
    memory = r.memory;
    changes.push(...r.changes.map((x) => `${i + 1}:${x}`));
  });
  return { memory, changes, incident: memory.incident as Incident };
}

describe('incident lifecycle', () => {
  it('opens only after openAfterSamples troubled samples in a row', () => {
    expect(run('T.T.').memory.incident).toBeNull();
    const { incident, changes } = run('TT');
    expect(changes).toEqual(['2:opened']);
    expect(incident).toMatchObject({ id: 'inc-2', service: 'api', status: 'open', openedAt: 2000, troubles: [UNHEALTHY], needsDecision: true, attempts: 0 });
  });

  it('groups every trouble of the service while it is active into the same incident', () => {
    let { memory } = run('TT');
    const more = observe(memory, { at: 3000, troubles: [UNHEALTHY, 'metric:cpu_share.api-1', 'container:api-2:exited'], blind: false }, settings, 'inc-3', 'api');
    expect(more.changes).toEqual(['grouped']);
    memory = more.memory;
    expect(memory.incident).toMatchObject({ id: 'inc-2', troubles: [UNHEALTHY, 'metric:cpu_share.api-1', 'container:api-2:exited'], updatedAt: 3000 });
    // The same troubles again change nothing to record.
    expect(observe(memory, { at: 4000, troubles: [UNHEALTHY], blind: false }, settings, 'inc-4', 'api').changes).toEqual([]);
  });

  it('resolves after resolveAfterCleanSamples clean samples in a row; a flap shorter than that stays one incident', () => {
    const { incident, changes } = run('TT..T..T...');
    expect(changes).toEqual(['2:opened', '11:resolved']);
    expect(incident).toMatchObject({ id: 'inc-2', status: 'resolved', closedAt: 11000 });
  });

  it('a resolved incident is never reopened: trouble after it opens a new one, after the opening threshold again', () => {
    const first = run('TT...');
    const { changes, incident } = run('TT', first.memory);
    expect(changes).toEqual(['2:opened']);
    expect(incident.id).toBe('inc-2');
    expect(first.incident.status).toBe('resolved');
    expect(run('T', first.memory).memory.incident).toBe(first.incident);
  });

  it('blind samples neither open, group, break nor extend a streak', () => {
    expect(run('T?T').changes).toEqual(['3:opened']);
    const { incident, changes } = run('TT..??.');
    expect(changes).toEqual(['2:opened', '7:resolved']);
    expect(incident.cleanStreak).toBe(3);
    expect(run('TT??????????').incident.status).toBe('open');
  });

  it('keeps at most MAX_TROUBLES trouble keys', () => {
    const many = Array.from({ length: MAX_TROUBLES + 10 }, (_, i) => `metric:m${i}`);
    expect(run('TT', EMPTY_MEMORY, many).incident.troubles).toHaveLength(MAX_TROUBLES);
  });
});

describe('heals of an incident', () => {
  const heal = { workflowId: 'heal-api', attemptId: 'run-1', strategy: 'restart_unhealthy' };
  const opened = () => run('TT').incident;

  it('a started heal makes it mitigating, counts an attempt, and holds its resolution until the heal ends', () => {
    const mitigating = healStarted(opened(), heal, 3000);
    expect(mitigating).toMatchObject({ status: 'mitigating', attempts: 1, inFlight: heal, needsDecision: false });
    const clean = run('.....', { incident: mitigating, troubledStreak: 0 });
    expect(clean.changes).toEqual([]);
    expect(clean.incident.status).toBe('mitigating');
    const done = healFinished(clean.incident, 'verified', 9000, settings);
    expect(done).toMatchObject({ status: 'mitigating', inFlight: null, lastOutcome: 'verified', needsDecision: false });
    expect(run('.', { incident: done, troubledStreak: 0 }).changes).toEqual(['1:resolved']);
  });

  it('while a heal is in flight, the states it passes the incident’s containers through do not join it; new troubles do', () => {
    const mitigating = healStarted(opened(), heal, 3000);
    // A restart: the container exits, then starts again, before the heal's verification judges it.
    const restarting = run('T', { incident: mitigating, troubledStreak: 0 }, ['container:api-1:exited']);
    expect(restarting.changes).toEqual([]);
    expect(restarting.incident).toMatchObject({ troubles: [UNHEALTHY], cleanStreak: 0, updatedAt: mitigating.updatedAt });
    const other = run('T', { incident: mitigating, troubledStreak: 0 }, ['container:api-10:exited', 'container:api-1:oom_killed', 'metric:error_rate']);
    expect(other.changes).toEqual(['1:grouped']);
    expect(other.incident.troubles).toEqual([UNHEALTHY, 'container:api-10:exited', 'container:api-1:oom_killed', 'metric:error_rate']);
    // Once the heal has ended, a new state of the same container is a trouble of its own again.
    const done = healFinished(mitigating, 'failed', 4000, settings);
    expect(run('T', { incident: done, troubledStreak: 0 }, ['container:api-1:exited']).incident.troubles).toEqual([UNHEALTHY, 'container:api-1:exited']);
  });

  it('a verified heal whose trouble comes back opens the incident again for the next attempt', () => {
    const done = healFinished(healStarted(opened(), heal, 3000), 'verified', 4000, settings);
    const back = run('T', { incident: done, troubledStreak: 0 });
    expect(back.changes).toEqual(['1:grouped']);
    expect(back.incident).toMatchObject({ id: 'inc-2', status: 'open', needsDecision: true, attempts: 1 });
  });

  it('a failed heal with attempts left opens it again; the last failed attempt escalates it', () => {
    const once = healFinished(healStarted(opened(), heal, 3000), 'failed', 4000, settings);
    expect(once).toMatchObject({ status: 'open', needsDecision: true, attempts: 1, lastOutcome: 'failed' });
    const twice = healFinished(healStarted(once, { ...heal, attemptId: 'run-2' }, 5000), 'rolled_back', 6000, settings);
    expect(twice).toMatchObject({ status: 'escalated', escalatedAt: 6000, needsDecision: false, attempts: 2 });
    expect(twice.escalation).toContain('2 heal attempt(s) did not fix it (last: rolled_back)');
    // Escalated: nothing more is decided; it resolves once the service is clean for long enough.
    const later = run('T...', { incident: twice, troubledStreak: 0 });
    expect(later.incident).toMatchObject({ status: 'resolved', escalatedAt: 6000, needsDecision: false });
  });

  it('a heal a person rejected escalates at once', () => {
    expect(healFinished(healStarted(opened(), heal, 3000), 'rejected', 4000, settings)).toMatchObject({ status: 'escalated', escalation: 'a person rejected the heal' });
  });

  it('a heal the safety envelope refused escalates at once, with attempts left: the next one would be refused too', () => {
    const refused = healFinished(healStarted(opened(), heal, 3000), 'refused', 4000, settings);
    expect(refused).toMatchObject({ status: 'escalated', escalatedAt: 4000, needsDecision: false, attempts: 1, lastOutcome: 'refused' });
    expect(refused.escalation).toContain('the safety envelope refused the heal');
  });
});
