/** An Error with a `code` the page turns into words (src/app/describe-error.ts); `message` is for logs. */
export function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}
