import type { Anomaly } from '../../../../src/domain/types';

/** An anomaly with a plausible baseline and hint; score and direction as given. */
export function anomaly(
  metric: string,
  value: number,
  opts: { score?: number; direction?: 'above' | 'below'; severity?: 'medium' | 'high' } = {},
): Anomaly {
  const direction = opts.direction ?? 'above';
  const baseline = direction === 'above' ? value / 2 : value * 2;
  const score = opts.score ?? 0.9;
  return {
    metric,
    value,
    baseline,
    std: Math.abs(value - baseline) / 4,
    zscore: direction === 'above' ? 4 : -4,
    score,
    severity: opts.severity ?? 'high',
    direction,
    hint: `${metric} ${value} is 4σ ${direction} its baseline ${baseline}`,
  };
}
