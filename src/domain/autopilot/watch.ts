// Shapes the watch workflow and its activities exchange (the workflow imports them as types only).
import type { HealInput } from '../heal';
import type { Decision } from './decision';
import type { Incident, WatchMemory } from './incident';
import type { Notice } from './notices';
import type { ScrapeMemory } from './prometheus';
import type { PushMemory } from './pushed';
import type { CpuMemory, Sight } from './signals';

/** Everything a watch carries from one sample to the next, and across continue-as-new. */
export interface WatchState {
  memory: WatchMemory;
  cpu: CpuMemory;
  /** null before the first sample. */
  sight: Sight | null;
  /** Each Prometheus target's cumulative values at its last scrape, by URL (rates need them); absent without targets. */
  scrape?: Record<string, ScrapeMemory>;
  /** When the watch last took pushed samples; absent unless the policy marks the service `push`. */
  push?: PushMemory;
}

export interface WatchInput {
  service: string;
  intervalSeconds: number;
  /** Samples before the run continues as new (never while a heal it started runs). */
  samplesPerRun: number;
  /** From the previous run; absent on the first. */
  state?: WatchState;
}

export interface WatchTick {
  service: string;
  /** `<workflow id>:<run id>:<sample>`: the analysis id of this sample, the same on every retry. */
  tickId: string;
  runId: string;
  state: WatchState;
}

export interface ContainerView {
  name: string;
  state: string;
  health: string;
}

export interface WatchTickResult {
  /** False when the policy no longer names the service: the watch ends. */
  watched: boolean;
  at: number;
  state: WatchState;
  containers: ContainerView[];
  /** The metrics the detector flagged in this sample. */
  anomalies: string[];
  /** The heal to start (auto and approve), with the decision that starts it. */
  heal: { decision: Decision; input: HealInput } | null;
  /** What to tell people (an incident opened); absent in samples recorded before webhooks. */
  notices?: Notice[];
}

/** settleHeal's answer: the watch's state, with what to tell people (absent in results recorded before webhooks). */
export type SettledHeal = WatchState & { notices?: Notice[] };

/** The watch workflow's query: what it sees now. */
export interface WatchStatus {
  service: string;
  /** watching, blind (a source cannot be read: never taken for health), or stopped (no longer in the policy). */
  phase: 'starting' | 'watching' | 'blind' | 'stopped';
  blind_reason: string | null;
  blind_since: number | null;
  last_sample_at: number | null;
  samples: number;
  containers: ContainerView[];
  anomalies: string[];
  incident: Incident | null;
  heal_in_flight: string | null;
}
