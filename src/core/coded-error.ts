/**
 * The one way Offboard's own errors are made: an Error with a `code` from the union of error codes, which
 * the page turns into words (src/app/describe-error.ts). `message` says what happened for logs and
 * developers; the admin reads the page's words.
 */
import type { ErrorCode } from './error-codes.ts';

export type CodedError = Error & { code: ErrorCode };

export function codedError(code: ErrorCode, message: string): CodedError {
  return Object.assign(new Error(message), { code });
}
