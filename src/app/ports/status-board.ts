import type { BoardRow } from '../../domain/status-board.js';

/** The status board as the Discord adapter posts it: the rows, and when they were read. */
export interface StatusBoardView {
  readonly rows: readonly BoardRow[];
  readonly at: Date;
  readonly maintenance?: { readonly reason: string; readonly by: string };
}

/**
 * Posts and edits the pinned status board (§17) through Discord's REST API, so any instance may do it.
 * Every method throws when Discord did not take the call, except for the answers it names.
 */
export interface StatusBoardPoster {
  /** Posts a new board in `channelId` and pins it; returns the message id. */
  post(channelId: string, board: StatusBoardView): Promise<string>;
  /** Edits the board in place; 'missing' when the message is gone (Discord: Unknown Message). */
  edit(channelId: string, messageId: string, board: StatusBoardView): Promise<'edited' | 'missing'>;
  /** Whether the message still exists (and is pinned again if someone unpinned it). */
  check(channelId: string, messageId: string): Promise<'present' | 'missing'>;
}
