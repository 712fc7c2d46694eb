// `selfheal heal`: a dry run by default (the plan, nothing changed); --apply runs it, --watch follows it to its end.
// The diagnosis comes from --diagnosis-file, or from a fresh analysis of the metrics given as for `analyze`.
import type { HealPlan } from '../../domain/heal';
import { ANALYSIS_OPTIONS, ANALYSIS_USAGE, analysisBody, contextFrom } from '../analysis-input';
import { ApiCallError, apiClient, CLIENT_OPTIONS, CLIENT_USAGE, type ApiClient } from '../api-client';
import { UsageError, type Command } from '../command';
import { UNSUCCESSFUL_OUTCOME_EXIT } from '../heal-follow';
import { readJsonObject } from '../json-file';
import { printJson, printLines } from '../output';
import { timeoutFlag, watchHeal } from './watch';

async function diagnosisOf(values: Record<string, unknown>, client: ApiClient): Promise<Record<string, unknown>> {
  if (typeof values['diagnosis-file'] === 'string') {
    const file = await readJsonObject('--diagnosis-file', values['diagnosis-file']);
    // The output of `selfheal analyze --json` works as it is.
    const diagnosis = typeof file.diagnosis === 'object' && file.diagnosis !== null ? (file.diagnosis as Record<string, unknown>) : file;
    if (typeof diagnosis.issue_type !== 'string') throw new UsageError('--diagnosis-file: expected a diagnosis (with issue_type) or an analysis holding one');
    return diagnosis;
  }
  const body = await analysisBody(values);
  if (!body) throw new UsageError('give --diagnosis-file FILE, or metrics (--metric NAME=VALUE / --file) to diagnose first');
  const analysis = (await client.expect('POST', '/api/self_healing/analyze', body)) as { workflow_id: string; diagnosis: Record<string, unknown> & { issue_type: string } };
  process.stderr.write(`selfheal heal: diagnosed ${analysis.diagnosis.issue_type} from a fresh analysis (${analysis.workflow_id})\n`);
  return analysis.diagnosis;
}

async function healBody(values: Record<string, unknown>, client: ApiClient): Promise<Record<string, unknown>> {
  const context = (await contextFrom(values)) ?? {};
  const containers = (values.container as string[] | undefined) ?? [];
  if (containers.length > 0) context.containers = [...new Set([...((context.containers as string[] | undefined) ?? []), ...containers])];
  return {
    issue: { diagnosis: await diagnosisOf(values, client) },
    dry_run: values.apply !== true,
    ...(typeof values.service === 'string' ? { service: values.service } : {}),
    ...(typeof values.strategy === 'string' ? { strategy: values.strategy } : {}),
    ...(values['require-approval'] === true ? { require_approval: true } : {}),
    ...(Object.keys(context).length > 0 ? { context } : {}),
  };
}

export function describePlan(plan: HealPlan): string[] {
  const lines = [`strategy: ${plan.strategy ?? 'none'} (${plan.selection.method}: ${plan.selection.reason})`];
  for (const step of plan.steps) {
    lines.push(`  ${step.index + 1}. ${step.action} ${step.target.kind}:${step.target.name ?? step.target.id}: ${step.expected_effect}; rollback: ${step.rollback.description}`);
  }
  const failed = plan.safety_checks.filter((c) => !c.passed);
  lines.push(failed.length === 0 ? `safety checks: all ${plan.safety_checks.length} passed` : `safety checks failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`);
  if (plan.requires_approval) lines.push(`needs approval: ${plan.approval_reasons.join('; ')}`);
  return lines;
}

export const healCommand: Command = {
  name: 'heal',
  summary: 'plan a heal (dry run, the default) or apply it with --apply',
  usage:
    `selfheal heal (--diagnosis-file DIAGNOSIS.json | ${ANALYSIS_USAGE})\n` +
    `    [--apply [--watch [--timeout SECONDS]]] [--strategy NAME] [--container NAME ...] [--require-approval] ${CLIENT_USAGE}\n` +
    `  exit 0 when planned or started (with --watch: when verified), ${UNSUCCESSFUL_OUTCOME_EXIT} when refused (or, with --watch, not verified)`,
  options: {
    ...ANALYSIS_OPTIONS,
    ...CLIENT_OPTIONS,
    'diagnosis-file': { type: 'string' },
    strategy: { type: 'string' },
    container: { type: 'string', multiple: true },
    apply: { type: 'boolean' },
    'require-approval': { type: 'boolean' },
    watch: { type: 'boolean' },
    timeout: { type: 'string' },
  },
  async run(values) {
    if (values.watch && !values.apply) throw new UsageError('--watch follows an applied heal: add --apply (a dry run answers at once)');
    if (values.timeout !== undefined && !values.watch) throw new UsageError('--timeout bounds --watch: add --apply --watch');
    const timeoutMs = timeoutFlag(values.timeout);
    const client = apiClient(values, 'operator');
    const res = await client.call('POST', '/api/self_healing/heal', await healBody(values, client));
    if (![200, 202, 422].includes(res.status)) throw new ApiCallError(res.status, res.body, 'POST /api/self_healing/heal');
    const started = res.body as { heal_id: string; status: string; temporal_ui: string; plan: HealPlan; message?: string };
    if (values.json) printJson(started);
    else {
      printLines([
        `${started.plan.dry_run ? 'dry run' : 'heal'} ${started.heal_id}: ${started.status}${started.message ? ` (${started.message})` : ''}`,
        ...describePlan(started.plan),
        `temporal: ${started.temporal_ui}`,
        ...(res.status === 202 && !values.watch ? [`follow it: selfheal watch ${started.heal_id}`] : []),
      ]);
    }
    if (res.status === 422) return UNSUCCESSFUL_OUTCOME_EXIT;
    if (res.status === 202 && values.watch) return watchHeal(client, started.heal_id, values.json === true, timeoutMs);
    return 0;
  },
};
