// A toy agent that speaks JSON lines, for the conformance suite. Its prompt is a JSON task:
// {"write":{"path":"…","content":"…"}} writes a file, {"answer":value} answers with value,
// {"wait":true} runs until it is stopped.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

let input = '';
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
const task = JSON.parse(request.prompt);
say({ type: 'event', event: 'task:read', data: { role: request.role } });
console.log('thinking…'); // not JSON: the harness reports it as an output:line event

if (task.wait === true) {
  setInterval(() => say({ type: 'event', event: 'still:working' }), 50);
} else {
  if (task.write !== undefined) {
    mkdirSync(dirname(task.write.path), { recursive: true });
    writeFileSync(task.write.path, task.write.content);
    say({ type: 'event', event: 'file:written', data: { path: task.write.path } });
  }
  say({ type: 'usage', inputTokens: request.prompt.length, outputTokens: 1 });
  say({ type: 'answer', text: task.answer === undefined ? 'done' : JSON.stringify(task.answer) });
}
