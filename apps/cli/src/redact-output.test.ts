import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REDACTED } from '@hyperion/schema';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import { createLogger } from './logger.js';
import { createEventLogRedactor, createJsonLineRedactor } from './redact-output.js';

const serviceToken = 'svc-7a6b5c4d3e2f1a0b';
const githubToken = `ghp_${'M1n2B3v4C5'.repeat(4).slice(0, 36)}`;
const saved = process.env['MY_SERVICE_TOKEN'];

afterEach(() => {
  if (saved === undefined) delete process.env['MY_SERVICE_TOKEN'];
  else process.env['MY_SERVICE_TOKEN'] = saved;
});

describe('the console tracing logger', () => {
  it("writes JSON lines without this process's secret values or token shapes, whatever was logged", () => {
    process.env['MY_SERVICE_TOKEN'] = serviceToken;
    const logs = temporaryDirectory('hyperion-logs');
    const logger = createLogger(logs);
    logger.info(
      { output: `MY_SERVICE_TOKEN=${serviceToken}`, quoted: `"${serviceToken}"` },
      `saw ${githubToken}`,
    );
    logger.error(
      { err: new Error(`git failed for https://x:${serviceToken}@example.com`) },
      'attempt failed',
    );
    logger.flush();
    const text = readFileSync(join(logs, 'hyperion.log'), 'utf8');
    expect(text).not.toContain(serviceToken);
    expect(text).not.toContain(githubToken);
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      msg: `saw ${REDACTED}`,
      output: `MY_SERVICE_TOKEN=${REDACTED}`,
      quoted: `"${REDACTED}"`,
    });
    expect((lines[1]?.['err'] as { message: string }).message).toBe(
      `git failed for https://x:${REDACTED}@example.com`,
    );
  });
});

describe('the console tracing logger and control characters', () => {
  it("writes C1 and bidi controls (an agent's words in a reason) as JSON escapes, the same values", () => {
    const logs = temporaryDirectory('hyperion-logs');
    const logger = createLogger(logs);
    const reason = 'failed: \u009b2J\u001b]0;owned\u0007 \u202egnp.exe';
    logger.info({ tiers: [{ reason }] }, 'conflicted entry went through the conflict tiers');
    logger.flush();
    const text = readFileSync(join(logs, 'hyperion.log'), 'utf8');
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
    const line = JSON.parse(text.trim()) as { tiers: Array<{ reason: string }> };
    expect(line.tiers[0]?.reason).toBe(reason);
  });
});

describe('line redactors', () => {
  it('redact a JSON line as parsed values (escapes stay valid) and plain text as text', () => {
    const redact = createJsonLineRedactor(['se"cret-value']);
    const line = `${JSON.stringify({ a: 'x se"cret-value y', b: [githubToken] })}\n`;
    expect(redact(line)).toBe(`${JSON.stringify({ a: `x ${REDACTED} y`, b: [REDACTED] })}\n`);
    expect(redact(`not json ${githubToken}`)).toBe(`not json ${REDACTED}`);
  });

  it('redact event lines of an export fully, and only known values from a submission as submitted', () => {
    const redact = createEventLogRedactor([serviceToken]);
    const event = JSON.stringify({
      kind: 'event',
      event: { data: { output: `${githubToken} ${serviceToken}` } },
    });
    expect(JSON.parse(redact(event))).toEqual({
      kind: 'event',
      event: { data: { output: `${REDACTED} ${REDACTED}` } },
    });
    const submission = JSON.stringify({
      kind: 'submission',
      submission: { patch: `+fixture ${githubToken}\n+leaked ${serviceToken}\n` },
    });
    expect(JSON.parse(redact(submission))).toEqual({
      kind: 'submission',
      submission: { patch: `+fixture ${githubToken}\n+leaked ${REDACTED}\n` },
    });
  });
});
