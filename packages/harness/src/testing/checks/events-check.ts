import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentEvent } from '../../v1/agent-event.js';
import type { HarnessConformanceCheck } from '../conformance-context.js';
import { runWithBound } from '../run-with-bound.js';

/** How long after a run the check listens for late events. */
const LATE_EVENT_WINDOW_MS = 100;

/** Events arrive well formed, with strictly increasing sequence numbers, and none after the run returned. */
export const eventsCheck: HarnessConformanceCheck = {
  name: 'events',
  description: 'delivers well-formed events in order, none after the run has returned',
  async run({ harness, options, request }) {
    const received: AgentEvent[] = [];
    let returned = false;
    let late = 0;
    const onEvent = (event: AgentEvent) => {
      if (returned) late++;
      received.push(event);
    };
    const run = await runWithBound(
      harness,
      request({ ...options.scenarios.writeFile('events.txt', 'events\n'), onEvent }, ['events.txt']),
      options.runBoundMs,
    );
    returned = true;
    if (!run.ended) return [run.reason];
    await sleep(LATE_EVENT_WINDOW_MS);
    const problems: string[] = [];
    if (received.length === 0) problems.push('the run delivered no events');
    if (late > 0) problems.push(`${late} event(s) arrived after the run had returned`);
    received.forEach((event, index) => {
      const previous = received[index - 1];
      if (!Number.isInteger(event.sequence))
        problems.push(`event ${index} has a sequence that is not an integer`);
      if (previous !== undefined && !(event.sequence > previous.sequence)) {
        problems.push(`event ${index} has sequence ${event.sequence}, not above ${previous.sequence}`);
      }
      if (typeof event.type !== 'string' || event.type === '') problems.push(`event ${index} has no type`);
      if (typeof event.at !== 'string' || Number.isNaN(Date.parse(event.at))) {
        problems.push(`event ${index} has no ISO timestamp in "at"`);
      }
      if (typeof event.data !== 'object' || event.data === null)
        problems.push(`event ${index} has no data object`);
    });
    return problems;
  },
};
