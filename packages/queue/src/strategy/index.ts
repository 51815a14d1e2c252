import type { QueueStrategyConfig } from '@hyperion/schema';
import { AdaptiveStrategy } from './adaptive.js';
import { BatchStrategy, SerialStrategy, type MergeStrategy } from './strategy.js';

export * from './strategy.js';
export * from './adaptive.js';

/** The strategy named by `config.name`. */
export function createStrategy(config: QueueStrategyConfig): MergeStrategy {
  switch (config.name) {
    case 'serial':
      return new SerialStrategy();
    case 'batch':
      return new BatchStrategy(config);
    case 'adaptive':
      return new AdaptiveStrategy(config);
  }
}

const strategies = new WeakMap<object, MergeStrategy>();

/**
 * The one strategy shared by every worker of `runtime` (created on first use from
 * `queue.strategy`), so that all of them learn from the same verdicts.
 */
export function strategyOf(runtime: { config: { queue: { strategy: QueueStrategyConfig } } }): MergeStrategy {
  let strategy = strategies.get(runtime);
  if (strategy === undefined) {
    strategy = createStrategy(runtime.config.queue.strategy);
    strategies.set(runtime, strategy);
  }
  return strategy;
}
