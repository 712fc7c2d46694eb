// The analyze request from flags: metrics from repeated --metric NAME=VALUE and/or a --file of {"name": value},
// the service, a context file and a time. Shared by `analyze` and by `heal` when it diagnoses first.
import { UsageError } from './command';
import { readJsonObject } from './json-file';

export const ANALYSIS_OPTIONS = {
  metric: { type: 'string', multiple: true },
  file: { type: 'string' },
  service: { type: 'string' },
  'context-file': { type: 'string' },
  at: { type: 'string' },
} as const;
export const ANALYSIS_USAGE = '(--metric NAME=VALUE ... | --file METRICS.json) [--service NAME] [--context-file CONTEXT.json] [--at ISO-8601]';

const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;

function metricValue(flag: string, name: string, value: unknown): number {
  if (!METRIC_NAME.test(name)) throw new UsageError(`${flag}: "${name}" is not a metric name (letters, digits, _ . : -)`);
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) throw new UsageError(`${flag}: ${name} must be a finite number, got ${JSON.stringify(value)}`);
  return number;
}

async function metrics(values: Record<string, unknown>): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  if (typeof values.file === 'string') {
    for (const [name, value] of Object.entries(await readJsonObject('--file', values.file))) result[name] = metricValue('--file', name, value);
  }
  for (const pair of (values.metric as string[] | undefined) ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--metric takes NAME=VALUE, got "${pair}"`);
    const name = pair.slice(0, eq);
    result[name] = metricValue('--metric', name, pair.slice(eq + 1));
  }
  return result;
}

/** The context file, for `analyze` and `heal` alike. */
export async function contextFrom(values: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  const file = values['context-file'];
  return typeof file === 'string' ? readJsonObject('--context-file', file) : undefined;
}

/** The POST /analyze body, or null when no metric was given. */
export async function analysisBody(values: Record<string, unknown>): Promise<Record<string, unknown> | null> {
  const found = await metrics(values);
  if (Object.keys(found).length === 0) return null;
  const at = values.at as string | undefined;
  if (at !== undefined && !Number.isFinite(Date.parse(at))) throw new UsageError(`--at must be an ISO-8601 time, got "${at}"`);
  const context = await contextFrom(values);
  return {
    metrics: found,
    ...(typeof values.service === 'string' ? { service: values.service } : {}),
    ...(at !== undefined ? { at: new Date(at).toISOString() } : {}),
    ...(context ? { context } : {}),
  };
}
