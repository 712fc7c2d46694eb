// The Prometheus text format as the watch reads it: labels with escapes, comments, NaN and infinities, timestamps,
// a line it cannot read named; and the series it analyses: gauges as they are, counters as rates, histograms and
// summaries as their mean and rate (buckets dropped), families filtered, names within the analysis's alphabet.
import { describe, expect, it } from 'vitest';
import { ExpositionError, parseExposition, scrapeSeries, seriesName } from '../../../../src/domain/autopilot';

const TEXT = `# HELP temperature_celsius A gauge.
# TYPE temperature_celsius gauge
temperature_celsius{room="lab \\"1\\"",floor="2"} 21.5 1700000000000
temperature_celsius{room="empty"} NaN
# a free comment
# TYPE requests_total counter
requests_total{code="200"} 100
requests_total{code="500"} 4
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 8
latency_seconds_bucket{le="+Inf"} 10
latency_seconds_sum 2
latency_seconds_count 10
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.99"} 0.3
rpc_seconds_sum 5
rpc_seconds_count 50
queue_depth +Inf
free_form 7
`;

describe('parseExposition', () => {
  it('reads types, labels (escapes, unsorted), values and drops comments and timestamps', () => {
    const e = parseExposition(TEXT);
    expect(e.types).toEqual({ temperature_celsius: 'gauge', requests_total: 'counter', latency_seconds: 'histogram', rpc_seconds: 'summary' });
    expect(e.samples[0]).toEqual({ name: 'temperature_celsius', labels: { room: 'lab "1"', floor: '2' }, value: 21.5 });
    expect(e.samples[1]!.value).toBeNaN();
    expect(e.samples.find((s) => s.name === 'queue_depth')!.value).toBe(Number.POSITIVE_INFINITY);
    expect(e.samples).toHaveLength(13);
  });

  it('names the first line it cannot read', () => {
    expect(() => parseExposition('ok 1\n{broken} 2\n')).toThrow(new ExpositionError(2, 'expected a metric name'));
    expect(() => parseExposition('x{a="1" 2\n')).toThrow('line 1: expected , or } between labels');
    expect(() => parseExposition('x{a="1} 2\n')).toThrow('line 1: unterminated label value');
    expect(() => parseExposition('x one\n')).toThrow('line 1: "one" is not a number');
    expect(() => parseExposition('x 1 2 3\n')).toThrow('line 1: expected a value and at most a timestamp');
    expect(() => parseExposition('<html>\n')).toThrow('line 1: expected a metric name');
    expect(() => parseExposition('# TYPE x meter\n')).toThrow('line 1: unknown metric type "meter"');
  });
});

describe('scrapeSeries', () => {
  const first = scrapeSeries(parseExposition(TEXT), 1_000_000, undefined);
  const later = TEXT.replace('requests_total{code="200"} 100', 'requests_total{code="200"} 150')
    .replace('latency_seconds_sum 2', 'latency_seconds_sum 5')
    .replace('latency_seconds_count 10', 'latency_seconds_count 20');
  const second = scrapeSeries(parseExposition(later), 1_010_000, first.memory);

  it('first scrape: gauges, quantiles and untyped values; no rate yet; NaN, Inf and buckets are no value', () => {
    expect(first.metrics).toEqual({
      'temperature_celsius.floor-2.room-lab__1_': 21.5,
      'rpc_seconds.quantile-0_99': 0.3,
      free_form: 7,
    });
  });

  it('next scrape: counters as per-second rates, histograms and summaries as mean and rate', () => {
    expect(second.metrics).toMatchObject({
      'requests_total.code-200': 5,
      'requests_total.code-500': 0,
      'latency_seconds:rate': 1,
      'latency_seconds:mean': 0.3,
      'rpc_seconds:rate': 0,
    });
    // No new observation: no mean (0/0), but its rate is 0.
    expect(second.metrics).not.toHaveProperty('rpc_seconds:mean');
  });

  it('a counter that went down (the target restarted) gives no rate this time', () => {
    const reset = scrapeSeries(parseExposition('# TYPE c counter\nc 3\n'), 2000, { at: 1000, values: { c: 10 } });
    expect(reset.metrics).toEqual({});
    expect(reset.memory).toEqual({ at: 2000, values: { c: 3 } });
  });

  it('keeps only the families asked for', () => {
    expect(Object.keys(scrapeSeries(parseExposition(later), 1_010_000, first.memory, ['latency_seconds', 'free_form']).metrics).sort()).toEqual(['free_form', 'latency_seconds:mean', 'latency_seconds:rate']);
  });

  it('names stay within the analysis alphabet and 128 characters, long ones told apart by a hash', () => {
    const long = (v: string) => seriesName('m', { path: `/${'a'.repeat(200)}${v}` });
    expect(long('x')).toMatch(/^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/);
    expect(long('x')).not.toBe(long('y'));
  });
});
