// The catalogue of every error shadow-bridge raises on purpose, with stable SB_ERR_* codes.
// Tests, logs and alerts match on the code, never on the text; the text says what and where.

export const ErrorCodes = {
  SB_ERR_USAGE: 'Invalid command line',
  SB_ERR_DECIMAL_INVALID: 'Not a valid decimal number',
  SB_ERR_DECIMAL_PRECISION: 'Decimal has more fractional digits than supported',
  SB_ERR_MAPPING_IO: 'Mapping bundle could not be read',
  SB_ERR_MAPPING_YAML: 'Mapping file is not valid YAML',
  SB_ERR_MAPPING_INVALID: 'Mapping bundle is invalid',
  SB_ERR_CANDIDATE_MODULE: 'Candidate router module could not be loaded',
  SB_ERR_SCENARIO_IO: 'Scenario file could not be read',
  SB_ERR_SCENARIO_JSON: 'Scenario line is not valid JSON',
  SB_ERR_SCENARIO_EVENT: 'Scenario event is invalid',
  SB_ERR_SCENARIO_HEADER: 'Scenario header is missing or invalid',
  SB_ERR_SCENARIO_TIME_WENT_BACKWARDS: 'Scenario timestamps must not decrease',
  SB_ERR_EXPECTATION_FAILED: 'Scenario expectation not met',
  SB_ERR_OUTPUT_IO: 'Run folder could not be written',
  SB_ERR_TIMEZONE: 'Unknown IANA time zone',
  SB_ERR_FIX_MALFORMED: 'Not a well-formed FIX message',
  SB_ERR_FIX_TOO_LARGE: 'FIX message exceeds the size limit',
  SB_ERR_FIX_DICTIONARY: 'FIX data dictionary could not be loaded',
  SB_ERR_FIX_STORE: 'FIX session store could not be read or written',
  SB_ERR_FIX_CONFIG: 'FIX session configuration is invalid',
  SB_ERR_CONFIG: 'Configuration file is invalid',
  SB_ERR_CONFIG_IO: 'Configuration file could not be read',
  SB_ERR_JOURNAL_IO: 'Order journal could not be read or written',
  SB_ERR_JOURNAL_CORRUPT: 'Order journal is corrupt',
  SB_ERR_FIX_STORE_CORRUPT: 'FIX session store is corrupt',
  SB_ERR_PORT_IN_USE: 'Listening port is already in use',
  SB_ERR_LISTEN: 'Could not listen on the configured address',
  SB_ERR_CANDIDATE_NOT_FOUND: 'Candidate bundle or module does not exist',
  SB_ERR_ROLLOUT_IO: 'Rollout plan could not be read',
  SB_ERR_ROLLOUT_PLAN: 'Rollout plan is invalid',
  SB_ERR_ROLLOUT_CANDIDATE: 'This candidate cannot execute orders',
  SB_ERR_AUDIT_IO: 'Audit log could not be read or written',
  SB_ERR_AUDIT_BROKEN: 'Audit log does not verify',
  SB_ERR_ADMIN: 'Admin API request failed',
  SB_ERR_ADMIN_AUTH: 'Admin API refused the call: missing or wrong token',
  SB_ERR_ADMIN_REQUEST: 'Admin API request is malformed',
  SB_ERR_ROLLOUT_REFUSED: 'The rollout refused the command in its current state',
  SB_ERR_EVIDENCE: 'Evidence pack could not be written',
  SB_ERR_EXPORT: 'Export could not be written',
  SB_ERR_WS_OUTBOX: 'WebSocket orders channel could not be read or written',
  SB_ERR_WS_CONFIG: 'WebSocket configuration is invalid',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** An expected failure with a stable code; `detail` names the file, line, field or value involved. */
export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  readonly code: ErrorCode;
  readonly detail: string;

  constructor(code: ErrorCode, detail: string, options?: ErrorOptions) {
    super(`${code}: ${ErrorCodes[code]}: ${detail}`, options);
    this.code = code;
    this.detail = detail;
  }
}

export function isBridgeError(value: unknown): value is BridgeError {
  return value instanceof BridgeError;
}
