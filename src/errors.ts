/**
 * A mistake the user can fix (bad flag, bad spec, missing file): printed as one line without a
 * stack, exit code 2. Anything else that escapes is an internal error and prints its stack.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}
