import { HyperionError, type RequestBudget } from '@hyperion/schema';
import type {
  AgentBudget,
  AgentHarnessV1,
  AgentRunRequest,
  AgentRunResult,
  AgentUsage,
} from '@hyperion/harness';

/** What a request's agent runs have spent so far (raw numbers; unreported usage counts as zero). */
export interface RequestSpending {
  /** Tokens sent to the model, over every run (cached ones included). */
  input_tokens: number;
  /** Of the input tokens, those served from the model's prompt cache. */
  cached_input_tokens: number;
  /** Tokens the model produced. */
  output_tokens: number;
  /** Credits, or US dollars where a run reported cost but no credits. */
  credits: number;
  /** Milliseconds since the request started. */
  elapsed_ms: number;
  /** Agent runs counted. */
  runs: number;
}

/** Options of {@link RequestBudgetController}. */
export interface RequestBudgetControllerOptions {
  /** When the request started (epoch ms; default now): the wall-time budget counts from here. */
  startedAt?: number;
  /** What earlier runs of the request already spent (a re-dispatch counts the pipeline's runs). */
  spent?: Partial<Omit<RequestSpending, 'elapsed_ms'>>;
  /** The clock (epoch ms). */
  now?: () => number;
}

function smaller(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/**
 * Enforces one request's budget over all its agent runs. Every run goes through
 * {@link RequestBudgetController.harness}: a run does not start once the budget is spent; a run
 * that starts gets at most what is left (tokens, credits, wall time) as its own budget, so the
 * harness stops it mid-run when it goes over; and when the budget is spent (a run's usage pushes
 * the total over, or the wall time passes), {@link RequestBudgetController.signal} aborts every run
 * still going: the harnesses kill their agent processes. Runs stopped this way end
 * `budget-exceeded`, with the spending in their error.
 */
export class RequestBudgetController {
  /** Aborts once the budget is spent. */
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly totals: Omit<RequestSpending, 'elapsed_ms'>;
  private reason: string | undefined;
  private wallTimeSpent = false;

  constructor(
    /** The request's id (named in errors). */
    readonly requestId: string,
    /** The limits; an empty budget only counts. */
    readonly limits: RequestBudget,
    options: RequestBudgetControllerOptions = {},
  ) {
    this.signal = this.controller.signal;
    this.now = options.now ?? Date.now;
    this.startedAt = options.startedAt ?? this.now();
    this.totals = {
      input_tokens: options.spent?.input_tokens ?? 0,
      cached_input_tokens: options.spent?.cached_input_tokens ?? 0,
      output_tokens: options.spent?.output_tokens ?? 0,
      credits: options.spent?.credits ?? 0,
      runs: options.spent?.runs ?? 0,
    };
    this.check();
    if (limits.timeout_ms !== undefined && this.reason === undefined) {
      const left = this.startedAt + limits.timeout_ms - this.now();
      this.timer = setTimeout(() => this.check(), Math.max(0, left) + 1);
      this.timer.unref();
    }
  }

  /** Why the budget is spent (with the spending), or undefined while some is left. */
  spentReason(): string | undefined {
    return this.reason;
  }

  /** What the request's runs have spent so far. */
  spending(): RequestSpending {
    return { ...this.totals, elapsed_ms: Math.max(0, this.now() - this.startedAt) };
  }

  /** The error that fails a request whose budget is spent (code `budget_exceeded`). */
  error(): HyperionError {
    return new HyperionError(
      'budget_exceeded',
      `request ${this.requestId}: ${this.reason ?? 'its budget is spent'}`,
      { details: { requestId: this.requestId, budget: this.limits, spending: this.spending() } },
    );
  }

  /** Throws {@link RequestBudgetController.error} when the budget is spent. */
  requireRoom(): void {
    this.check();
    if (this.reason !== undefined) throw this.error();
  }

  /** Adds one finished run's usage and stops everything still running when the budget is spent. */
  record(usage: AgentUsage): void {
    this.totals.runs += 1;
    if (usage.reported) {
      this.totals.input_tokens += usage.inputTokens ?? 0;
      this.totals.cached_input_tokens += usage.cachedInputTokens ?? 0;
      this.totals.output_tokens += usage.outputTokens ?? 0;
      this.totals.credits += usage.credits ?? usage.costUsd ?? 0;
    }
    this.check();
  }

  /** The budget one run may use: its own, narrowed to what is left of the request's. */
  runBudget(own: AgentBudget | undefined): AgentBudget {
    const { max_tokens, max_credits, timeout_ms } = this.limits;
    const spending = this.spending();
    const tokensLeft =
      max_tokens === undefined ? undefined : max_tokens - spending.input_tokens - spending.output_tokens;
    const creditsLeft = max_credits === undefined ? undefined : max_credits - spending.credits;
    const timeLeft = timeout_ms === undefined ? undefined : Math.max(1, timeout_ms - spending.elapsed_ms);
    const budget: AgentBudget = { ...own };
    const timeoutMs = smaller(own?.timeoutMs, timeLeft);
    const maxTokens = smaller(own?.maxTokens, tokensLeft);
    const maxCredits = smaller(own?.maxCredits, creditsLeft);
    if (timeoutMs !== undefined) budget.timeoutMs = timeoutMs;
    if (maxTokens !== undefined) budget.maxTokens = maxTokens;
    if (maxCredits !== undefined) budget.maxCredits = maxCredits;
    return budget;
  }

  /** `inner`, with every run counted against (and stopped by) this budget. */
  harness(inner: AgentHarnessV1): AgentHarnessV1 {
    const wrapped: AgentHarnessV1 = {
      specificationVersion: inner.specificationVersion,
      harnessId: inner.harnessId,
      run: (request) => this.runBudgeted(request, (narrowed) => inner.run(narrowed)),
    };
    if (inner.resume !== undefined) {
      const resume = inner.resume.bind(inner);
      wrapped.resume = (sessionId, request) =>
        this.runBudgeted(request, (narrowed) => resume(sessionId, narrowed));
    }
    return wrapped;
  }

  /** Clears the wall-time timer; call it when the request's runs are over. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private async runBudgeted(
    request: AgentRunRequest,
    run: (request: AgentRunRequest) => Promise<AgentRunResult>,
  ): Promise<AgentRunResult> {
    this.check();
    if (this.reason !== undefined) {
      return {
        status: 'budget-exceeded',
        text: '',
        usage: { reported: false },
        durationMs: 0,
        error: `not started: ${this.reason}`,
      };
    }
    const signals = [this.signal, ...(request.abortSignal === undefined ? [] : [request.abortSignal])];
    const narrowed = this.runBudget(request.budget);
    const result = await run({ ...request, budget: narrowed, abortSignal: AbortSignal.any(signals) });
    // A run stopped at the request's remaining wall time spent it, whatever the clocks say.
    const wallLimited =
      narrowed.timeoutMs !== undefined &&
      this.limits.timeout_ms !== undefined &&
      (request.budget?.timeoutMs === undefined || narrowed.timeoutMs < request.budget.timeoutMs);
    if (result.status === 'timed-out' && wallLimited) this.wallTimeSpent = true;
    this.record(result.usage);
    if (this.reason === undefined || request.abortSignal?.aborted === true) return result;
    if (result.status === 'ok') {
      const tokens = (result.usage.inputTokens ?? 0) + (result.usage.outputTokens ?? 0);
      const over = this.over();
      // A run that ends exactly at the limit is within it; its output stands.
      if (over === undefined) return result;
      return {
        ...result,
        status: 'budget-exceeded',
        error: `${over} (this run: ${tokens} tokens); the output is not trusted`,
      };
    }
    return {
      ...result,
      status: 'budget-exceeded',
      error: `stopped: ${this.reason}${result.error === undefined ? '' : ` (the run: ${result.error})`}`,
    };
  }

  /** Why the spending is over a limit (strictly), or undefined. */
  private over(): string | undefined {
    const { max_tokens, max_credits, timeout_ms } = this.limits;
    const spending = this.spending();
    const tokens = spending.input_tokens + spending.output_tokens;
    if (max_tokens !== undefined && tokens > max_tokens)
      return this.describe(`${tokens} tokens of its ${max_tokens}`);
    if (max_credits !== undefined && spending.credits > max_credits)
      return this.describe(`${round(spending.credits)} credits of its ${max_credits}`);
    if (timeout_ms !== undefined && spending.elapsed_ms > timeout_ms)
      return this.describe(`${spending.elapsed_ms} ms of its ${timeout_ms} ms wall time`);
    return undefined;
  }

  /** Marks the budget spent (limits reached or passed) and aborts the running runs. */
  private check(): void {
    if (this.reason !== undefined) return;
    const { max_tokens, max_credits, timeout_ms } = this.limits;
    const spending = this.spending();
    const tokens = spending.input_tokens + spending.output_tokens;
    let what: string | undefined;
    if (max_tokens !== undefined && tokens >= max_tokens) what = `${tokens} tokens of its ${max_tokens}`;
    else if (max_credits !== undefined && spending.credits >= max_credits)
      what = `${round(spending.credits)} credits of its ${max_credits}`;
    else if (timeout_ms !== undefined && (this.wallTimeSpent || spending.elapsed_ms >= timeout_ms))
      what = `${spending.elapsed_ms} ms of its ${timeout_ms} ms wall time`;
    if (what === undefined) return;
    this.reason = this.describe(what);
    this.dispose();
    this.controller.abort(new HyperionError('budget_exceeded', this.reason));
  }

  private describe(what: string): string {
    const spending = this.spending();
    return `the request's budget is spent: ${what} (spent: ${spending.input_tokens} input tokens of which ${spending.cached_input_tokens} cached, ${spending.output_tokens} output tokens, ${round(spending.credits)} credits, ${spending.elapsed_ms} ms over ${spending.runs} agent run(s))`;
  }
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** The pipeline-facing summary of a request's budget: the limits and what was spent. */
export interface RequestBudgetReport {
  /** The limits that applied (empty: none). */
  limits: RequestBudget;
  /** What the request's agent runs spent. */
  spending: RequestSpending;
  /** Why the budget is spent, when it is. */
  spent_reason?: string;
}

/** The report of `controller` now. */
export function requestBudgetReport(controller: RequestBudgetController): RequestBudgetReport {
  const reason = controller.spentReason();
  return {
    limits: controller.limits,
    spending: controller.spending(),
    ...(reason === undefined ? {} : { spent_reason: reason }),
  };
}
