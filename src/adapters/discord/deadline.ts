import { isMongoUnavailable } from '../mongo/unavailable.js';
import type { MessageView } from './command.js';
import { errorView } from './render/common.js';

/**
 * Discord shows "This interaction failed" 3 s after the click; by this time after receipt a handler that
 * is held up by MongoDB is answered for, leaving half a second for the edit to reach Discord.
 */
export const ANSWER_DEADLINE_MS = 2_500;

export const MONGO_UNAVAILABLE_MESSAGE =
  'Release Console is temporarily unavailable (MongoDB), nothing was changed — try again';

export type Outcome = 'ok' | 'refused' | 'error' | 'unavailable';

/** What an interaction is answered with, and how it went (for the metrics). */
export interface Answer {
  readonly view: MessageView;
  readonly outcome: Outcome;
}

export function mongoUnavailableAnswer(): Answer {
  return { view: errorView(MONGO_UNAVAILABLE_MESSAGE), outcome: 'unavailable' };
}

export { isMongoUnavailable };

/**
 * `work`'s result, or `fallback()`'s when `work` has not settled by `deadlineAt` and the fallback has one
 * (undefined: keep waiting for `work`). `work` must not reject; `onLate` gets its result when the fallback
 * was used instead.
 */
export async function withDeadline<T>(
  deadlineAt: number,
  work: Promise<T>,
  fallback: () => T | undefined,
  onLate: (late: T) => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof DEADLINE>((resolve) => {
    timer = setTimeout(
      () => {
        resolve(DEADLINE);
      },
      Math.max(0, deadlineAt - Date.now()),
    );
  });
  const first = await Promise.race([work, deadline]);
  clearTimeout(timer);
  if (first !== DEADLINE) return first;
  const instead = fallback();
  if (instead === undefined) return work;
  void work.then(onLate);
  return instead;
}

const DEADLINE = Symbol('deadline');

/**
 * The handler's answer, or the unavailable answer when the handler has not answered by `deadlineAt` and
 * MongoDB is why (`mongoTroubled()`: an operation waiting too long, or the server unreachable). Any other
 * slow handler (GitHub retrying) keeps its deferred "thinking…" and answers when it is done.
 *
 * Once the unavailable answer is shown, the handler's own answer never replaces it: it would contradict
 * "nothing was changed". The handler's MongoDB operations are failed by the driver's timeout soon after (see
 * OPERATION_TIMEOUT_MS in the mongo adapter), so it normally ends in an error; `onLate` gets its answer for
 * the log, and one that did finish is logged loudly (its effects then show on the card in the channel).
 */
export function answerBy(
  deadlineAt: number,
  work: Promise<Answer>,
  mongoTroubled: () => boolean,
  onLate: (answer: Answer) => void,
): Promise<Answer> {
  return withDeadline(
    deadlineAt,
    work,
    () => (mongoTroubled() ? mongoUnavailableAnswer() : undefined),
    onLate,
  );
}
