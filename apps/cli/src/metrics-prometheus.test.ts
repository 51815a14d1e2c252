import { describe, expect, it } from 'vitest';
import { QUEUE_STATES, type QueueEvent } from '@hyperion/schema';
import { computeQueueMetrics } from '@hyperion/store';
import { parsePrometheusStrictly, sampleValue } from '../test/prometheus-text.js';
import { formatPrometheus, prometheusLabelValue } from './metrics-prometheus.js';

const AT = Date.parse('2026-01-01T00:00:00.000Z');

function event(
  id: number,
  type: QueueEvent['type'],
  seconds: number,
  data: Record<string, unknown> = {},
): QueueEvent {
  return {
    id,
    entry_id: `e${id < 3 ? 1 : 2}`,
    type,
    from_state: null,
    to_state: null,
    worker: null,
    at: new Date(AT + seconds * 1000).toISOString(),
    data,
  };
}

const HOSTILE = 'a\\b"c\nd\u001b[31m\u0007';

function sampleText(): string {
  const metrics = computeQueueMetrics(
    [
      event(1, 'entry:enqueued', 0),
      event(2, 'check:failed', 5, { name: HOSTILE, duration_ms: 1500 }),
      event(3, 'entry:enqueued', 6),
      event(4, 'check:passed', 8, { name: 'test', duration_ms: 500 }),
      event(5, 'entry:landed', 9),
    ],
    { now: AT + 60_000 },
  );
  return formatPrometheus(metrics, { states: { landed: 1, queued: 1 } });
}

describe('Prometheus text format', () => {
  it('writes every family with HELP and TYPE, real types, and escaped labels a parser reads back', () => {
    const text = sampleText();
    const families = parsePrometheusStrictly(text);
    expect(families.get('hyperion_changes_landed_total')?.type).toBe('COUNTER');
    expect(families.get('hyperion_success_ratio')?.type).toBe('GAUGE');
    expect(families.get('hyperion_landing_latency_seconds')?.type).toBe('SUMMARY');
    expect(sampleValue(families, 'hyperion_changes_landed_total')).toBe(1);
    expect(sampleValue(families, 'hyperion_check_seconds_total', { check: 'test' })).toBe(0.5);
    expect(sampleValue(families, 'hyperion_queue_entries', { state: 'queued' })).toBe(1);
    expect(families.get('hyperion_landing_latency_seconds')?.metrics[0]).toMatchObject({
      count: '1',
      sum: '3',
      quantiles: { '0.5': '3', '0.95': '3' },
    });
    // The hostile name: one label, its control characters made visible text, nothing raw.
    const failures = families.get('hyperion_check_failures_total')!.metrics;
    const labels = failures.map((sample) => sample.labels?.['check']);
    expect(labels).toContain('a\\b"c\\nd\\x1b[31m\\x07');
    // eslint-disable-next-line no-control-regex -- the test looks for raw control characters
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    for (const line of text.split('\n'))
      expect(line.startsWith('#') || line === '' || /^hyperion_/.test(line)).toBe(true);
    // No ratio before an outcome is written as NaN, which the format allows.
    const empty = parsePrometheusStrictly(formatPrometheus(computeQueueMetrics([], { now: AT })));
    expect(sampleValue(empty, 'hyperion_success_ratio')).toBeNaN();
  });

  it('escapes backslash, quote and newline in label values', () => {
    expect(prometheusLabelValue('a\\"b')).toBe('a\\\\\\"b');
    expect(prometheusLabelValue('x'.repeat(500))).toHaveLength(200);
  });

  it('the strict parse fails on malformed output', () => {
    const text = sampleText();
    const broken = {
      'a raw newline in a label': text.replace('check="test"', 'check="te\nst"'),
      'an unquoted label': text.replace('check="test"', 'check=test'),
      'an unknown escape': text.replace('check="test"', 'check="te\\qst"'),
      'a sample without its TYPE line': text.replace('# TYPE hyperion_success_ratio gauge\n', ''),
      'a value that is no number': text.replace(
        /^hyperion_changes_landed_total 1$/m,
        'hyperion_changes_landed_total one',
      ),
      'a family written twice': `${text}# HELP hyperion_success_ratio again\n# TYPE hyperion_success_ratio gauge\nhyperion_success_ratio 1\n`,
      'a counter without _total': text.replace(/hyperion_changes_landed_total/g, 'hyperion_changes_landed'),
      'a summary without _count': text.replace(/^hyperion_landing_latency_seconds_count .*\n/m, ''),
      'no final newline': text.trimEnd(),
    };
    for (const [what, variant] of Object.entries(broken)) {
      expect(variant, what).not.toBe(text);
      expect(() => parsePrometheusStrictly(variant), what).toThrow();
    }
  });

  it('writes each series once when two check names make the same label (cut at 200, or shown alike)', () => {
    const long = 'x'.repeat(200);
    const metrics = computeQueueMetrics(
      [
        event(1, 'check:failed', 1, { name: `${long}-unit`, duration_ms: 1000 }),
        event(2, 'check:passed', 2, { name: `${long}-lint`, duration_ms: 2000 }),
        event(3, 'check:passed', 3, { name: 'a\nb', duration_ms: 1000 }),
        event(4, 'check:failed', 4, { name: 'a\\nb', duration_ms: 1000 }),
      ],
      { now: AT + 60_000 },
    );
    const text = formatPrometheus(metrics);
    const series = text.split('\n').filter((line) => line.startsWith('hyperion_check_'));
    const keys = series.map((line) => line.slice(0, line.lastIndexOf(' ')));
    // A scraper refuses a scrape that repeats a series: each must appear once.
    expect(keys.length - new Set(keys).size).toBe(0);
    // The names that share a label share its figures: 2 runs, 1 failure, 3 s for each pair.
    const families = parsePrometheusStrictly(text);
    expect(sampleValue(families, 'hyperion_check_runs_total', { check: long })).toBe(2);
    expect(sampleValue(families, 'hyperion_check_failures_total', { check: long })).toBe(1);
    expect(sampleValue(families, 'hyperion_check_seconds_total', { check: long })).toBe(3);
    expect(sampleValue(families, 'hyperion_check_runs_total', { check: 'a\\nb' })).toBe(2);
    expect(sampleValue(families, 'hyperion_check_failures_total', { check: 'a\\nb' })).toBe(1);
  });

  it('writes every queue state, 0 for one with no entry now (an emptied queue reads 0, not no data)', () => {
    const metrics = computeQueueMetrics([], { now: AT });
    const families = parsePrometheusStrictly(formatPrometheus(metrics, { states: { landed: 2 } }));
    expect(sampleValue(families, 'hyperion_queue_entries', { state: 'landed' })).toBe(2);
    for (const state of QUEUE_STATES.filter((each) => each !== 'landed')) {
      expect(sampleValue(families, 'hyperion_queue_entries', { state }), state).toBe(0);
    }
  });
});
