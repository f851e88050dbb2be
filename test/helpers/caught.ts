/**
 * The error `promise` rejects with, for a test to assert on; fails the test when it resolves.
 * `E` is what the caller expects it to be (an AppError, a Vault failure …): a cast, not a check.
 */
export async function caught<E = Error>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected the promise to reject');
}
