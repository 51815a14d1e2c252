#!/usr/bin/env bash
# Writes packages/queue/test/fixtures/history/hyperion-history.bundle: this repository's own
# first-parent history of main up to the given commit (default: main), as a git bundle. The history
# replay test (packages/queue/test/history-replay.test.ts) submits each commit's diff as a change.
# A committed bundle keeps the test independent of how deep the clone that runs it is.
set -euo pipefail
cd "$(dirname "$0")/.."
tip=${1:-main}
out=packages/queue/test/fixtures/history/hyperion-history.bundle
git bundle create "$out" "$tip" 2>/dev/null
git bundle verify "$out" >/dev/null 2>&1
echo "wrote $out: $(git rev-list --first-parent --count "$tip") first-parent commits up to $(git rev-parse --short "$tip")"
