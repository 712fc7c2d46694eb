// `selfheal analyze`: one analysis through the API (detect against the service's baselines, then diagnose).
import type { AnalyzeResult } from '../../domain/heal';
import { ANALYSIS_OPTIONS, ANALYSIS_USAGE, analysisBody } from '../analysis-input';
import { apiClient, CLIENT_OPTIONS, CLIENT_USAGE } from '../api-client';
import { UsageError, type Command } from '../command';
import { num, printJson, printLines, table } from '../output';

export function describeAnalysis(result: AnalyzeResult): string[] {
  const d = result.diagnosis;
  const lines = [`${result.service} at ${result.at}: ${result.anomalies.length} anomal${result.anomalies.length === 1 ? 'y' : 'ies'}`];
  if (result.anomalies.length > 0) {
    lines.push(
      ...table(
        ['severity', 'metric', 'value', 'expected', 'z', 'hint'],
        result.anomalies.map((a) => [a.severity, a.metric, num(a.value), `${num(a.baseline)} ± ${num(a.std)}`, num(a.zscore), a.hint]).map((r) => r.map(String)),
      ).map((l) => `  ${l}`),
    );
  }
  lines.push(`diagnosis: ${d.issue_type} (confidence ${num(d.confidence)}): ${d.root_cause}`);
  if (d.recommended_strategies.length > 0) lines.push(`recommended strategies: ${d.recommended_strategies.join(', ')}`);
  lines.push(`workflow: ${result.workflow_id}`);
  return lines;
}

export const analyzeCommand: Command = {
  name: 'analyze',
  summary: 'detect anomalies in metrics against their baselines and diagnose',
  usage: `selfheal analyze ${ANALYSIS_USAGE} ${CLIENT_USAGE}\n  e.g. selfheal analyze --service checkout --metric error_rate=0.08 --metric latency_p95=450`,
  options: { ...ANALYSIS_OPTIONS, ...CLIENT_OPTIONS },
  async run(values) {
    const body = await analysisBody(values);
    if (!body) throw new UsageError('give metrics with --metric NAME=VALUE (repeatable) or --file METRICS.json');
    const result = (await apiClient(values, 'operator').expect('POST', '/api/self_healing/analyze', body)) as AnalyzeResult;
    if (values.json) printJson(result);
    else printLines(describeAnalysis(result));
    return 0;
  },
};
