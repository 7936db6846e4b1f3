/** The closed list of reasons the product gives a person for saying no. */
export const ERROR_CODES = [
  'BAD_INPUT',
  'NOT_ALLOWED',
  'NOT_FOUND',
  'UNKNOWN_SERVICE',
  'UNKNOWN_ENV',
  'UNKNOWN_REF',
  'MAINTENANCE',
  'FROZEN',
  'LOCKED',
  'BUSY',
  'NOT_ON_STAGING',
  'CI_NOT_GREEN',
  'SMOKE_RED',
  'GITHUB_CREDENTIALS',
  'GITHUB_UNAVAILABLE',
  'ALREADY_DECIDED',
  'EXPIRED',
  'UNAVAILABLE',
  // Approvals and policy (§16).
  'CHECKLIST_INCOMPLETE',
  'BEHIND_PROD',
  'REF_NOT_ALLOWED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error whose message is written for the person who acted; shown to them as is (ephemeral). */
export class UserFacingError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}

export function isUserFacingError(error: unknown): error is UserFacingError {
  return error instanceof UserFacingError;
}
