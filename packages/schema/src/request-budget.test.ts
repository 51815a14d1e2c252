import { describe, expect, it } from 'vitest';
import { HyperionError } from './errors.js';
import { HyperionConfigSchema } from './config.js';
import { parseWithSchema } from './parse.js';
import { effectiveRequestBudget } from './request-budget.js';
import { TaskRequestSchema } from './task-request.js';

function thrown(run: () => unknown): HyperionError {
  try {
    run();
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('request budgets and on_partial_failure', () => {
  it('accepts a budget and a policy on a request, and names the field of a bad one', () => {
    const request = parseWithSchema(
      TaskRequestSchema,
      {
        summary: 's',
        budget: { max_tokens: 1000, timeout_ms: 60_000 },
        on_partial_failure: 'land_succeeded',
      },
      'r.json',
    );
    expect(request.budget).toEqual({ max_tokens: 1000, timeout_ms: 60_000 });
    expect(request.on_partial_failure).toBe('land_succeeded');
    const negative = thrown(() =>
      parseWithSchema(TaskRequestSchema, { summary: 's', budget: { max_tokens: -1 } }, 'r.json'),
    );
    expect(negative.code).toBe('schema_violation');
    expect(negative.message).toContain('budget.max_tokens');
    const unknown = thrown(() =>
      parseWithSchema(TaskRequestSchema, { summary: 's', budget: { tokens: 5 } }, 'r.json'),
    );
    expect(unknown.message).toContain('budget');
    expect(unknown.message).toContain('tokens');
    const policy = thrown(() =>
      parseWithSchema(TaskRequestSchema, { summary: 's', on_partial_failure: 'some' }, 'r.json'),
    );
    expect(policy.message).toContain('on_partial_failure');
  });

  it('defaults the configured policy to all_or_nothing and leaves the budget unset', () => {
    const config = HyperionConfigSchema.parse({});
    expect(config.orchestrator.on_partial_failure).toBe('all_or_nothing');
    expect(config.orchestrator.request_budget).toBeUndefined();
  });

  it('takes, limit by limit, the smaller of the request budget and the configured one', () => {
    expect(
      effectiveRequestBudget({ max_tokens: 500, timeout_ms: 9_000 }, { max_tokens: 1000, max_credits: 2 }),
    ).toEqual({ max_tokens: 500, max_credits: 2, timeout_ms: 9_000 });
    expect(effectiveRequestBudget(undefined, undefined)).toEqual({});
    expect(effectiveRequestBudget({ max_credits: 5 }, { max_credits: 1 })).toEqual({ max_credits: 1 });
  });
});
