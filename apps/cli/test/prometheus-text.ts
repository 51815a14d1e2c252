import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]Inf)$/;
const TYPES = new Set(['COUNTER', 'GAUGE', 'SUMMARY', 'HISTOGRAM']);

function fail(problem: string): never {
  throw new Error(`malformed Prometheus text: ${problem}`);
}

/**
 * Parses `text` with `parse-prometheus-text-format` (which throws on a line it cannot read) and
 * then holds it to the rest of the format that parser lets pass: every family typed (a sample
 * without its TYPE line, or one apart from its family, comes back UNTYPED), named `hyperion_…`
 * once, with HELP; counters named `_total`; every value a float; label names valid and label
 * values using only the escapes `\\`, `\"` and `\n`. Returns the families by name.
 */
export function parsePrometheusStrictly(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith('\n')) fail('the text does not end with a newline');
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const labels = /\{(.*)\}/.exec(line)?.[1] ?? '';
    if (labels.replace(/\\[\\"n]/g, '').includes('\\')) fail(`an unknown escape in ${JSON.stringify(line)}`);
  }
  const families = new Map<string, ParsedFamily>();
  for (const family of parsePrometheusTextFormat(text)) {
    if (families.has(family.name)) fail(`family ${family.name} appears twice`);
    families.set(family.name, family);
    if (!METRIC_NAME.test(family.name) || !family.name.startsWith('hyperion_')) {
      fail(`metric name ${JSON.stringify(family.name)}`);
    }
    if (!TYPES.has(family.type)) fail(`${family.name} has type ${family.type}`);
    if (family.help.trim() === '') fail(`${family.name} has no HELP`);
    if (family.type === 'COUNTER' && !family.name.endsWith('_total'))
      fail(`counter ${family.name} lacks _total`);
    for (const sample of family.metrics) {
      const values = [
        sample.value,
        sample.count,
        sample.sum,
        ...Object.values(sample.quantiles ?? {}),
        ...Object.values(sample.buckets ?? {}),
      ].filter((value) => value !== undefined);
      if (values.length === 0) fail(`${family.name} has a sample without a value`);
      for (const value of values)
        if (!FLOAT.test(value)) fail(`${family.name} has value ${JSON.stringify(value)}`);
      if (family.type === 'SUMMARY' && (sample.count === undefined || sample.sum === undefined)) {
        fail(`summary ${family.name} lacks _sum or _count`);
      }
      for (const name of Object.keys(sample.labels ?? {})) {
        if (!LABEL_NAME.test(name)) fail(`${family.name} has label name ${JSON.stringify(name)}`);
      }
    }
  }
  return families;
}

/** The value of the sample of `name` whose labels include `labels`, as a number. */
export function sampleValue(
  families: ReadonlyMap<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const sample = families
    .get(name)
    ?.metrics.find((metric) =>
      Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value),
    );
  return sample?.value === undefined ? undefined : Number(sample.value);
}
