import type { HyperionErrorCode } from '@hyperion/schema';

/** Exit statuses of the `hyperion` command (the README documents them). */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  invalidInput: 3,
  repository: 4,
  patch: 5,
  agent: 6,
  notFound: 7,
  notLanded: 8,
} as const;

const BY_CODE: Record<HyperionErrorCode, number> = {
  invalid_json: EXIT.invalidInput,
  schema_violation: EXIT.invalidInput,
  unknown_config_key: EXIT.invalidInput,
  unsafe_path: EXIT.invalidInput,
  invalid_input: EXIT.invalidInput,
  duplicate: EXIT.invalidInput,
  log_segment_invalid: EXIT.invalidInput,
  repo_not_found: EXIT.repository,
  branch_not_found: EXIT.repository,
  not_initialized: EXIT.repository,
  store_missing: EXIT.repository,
  store_corrupt: EXIT.repository,
  store_unreachable: EXIT.repository,
  permission_denied: EXIT.repository,
  git_failed: EXIT.repository,
  remote_unavailable: EXIT.repository,
  patch_does_not_apply: EXIT.patch,
  stub_cannot_write: EXIT.agent,
  agent_failed: EXIT.agent,
  unsupported: EXIT.agent,
  not_found: EXIT.notFound,
  invalid_state: EXIT.notFound,
  lease_lost: EXIT.internal,
  budget_exceeded: EXIT.agent,
  not_landed: EXIT.notLanded,
  usage: EXIT.usage,
  internal: EXIT.internal,
};

/** The exit status for an error code. */
export function exitCodeFor(code: HyperionErrorCode): number {
  return BY_CODE[code];
}
