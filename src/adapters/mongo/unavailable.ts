/**
 * Whether an error means "MongoDB did not answer" (as opposed to a bug or a refused write): the driver gave
 * up selecting a server or waiting on a socket, a connection closed under an operation, or mongoose gave up
 * buffering. Looks at error names and messages along the `cause` chain, so callers need not import mongoose
 * or the driver (and a second copy of either still classifies).
 */
export function isMongoUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    if (!(current instanceof Error)) return false;
    if (UNAVAILABLE_NAMES.has(current.name) || UNAVAILABLE_MESSAGES.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

const UNAVAILABLE_NAMES = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoOperationTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
]);

const UNAVAILABLE_MESSAGES = /buffering timed out|Client must be connected|connection .* closed/i;
