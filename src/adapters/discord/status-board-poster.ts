import type { REST } from '@discordjs/rest';
import { Routes, type APIMessage } from 'discord.js';
import type { StatusBoardPoster, StatusBoardView } from '../../app/ports/status-board.js';
import type { Logger } from '../../logger.js';
import { safeView } from './render/common.js';
import { renderStatusBoard } from './render/status-board.js';

const UNKNOWN_MESSAGE = 10008;
const MAX_PINS = 30003;
const MISSING_PERMISSIONS = 50013;

const codeOf = (error: unknown): unknown => (error as { code?: unknown }).code;

function body(board: StatusBoardView): Record<string, unknown> {
  const view = safeView(renderStatusBoard(board));
  return { embeds: view.embeds ?? [], components: [], allowed_mentions: { parse: [] } };
}

/** The status board over Discord's REST API (any instance may post it; the app holds a lease while it does). */
export function createStatusBoardPoster(options: { rest: REST; log: Logger }): StatusBoardPoster {
  const { rest, log } = options;
  /**
   * Pins the board; never throws. The board is posted already: failing here would post a second one on the
   * retry. A channel at Discord's pin limit, or a bot without the permission, keeps an unpinned board (said
   * in the log); anything else is tried again by the periodic check, which re-pins an unpinned board.
   */
  async function pin(channelId: string, messageId: string): Promise<void> {
    try {
      await rest.put(Routes.channelMessagesPin(channelId, messageId));
    } catch (error) {
      const why =
        codeOf(error) === MAX_PINS
          ? 'the ops channel has too many pins'
          : codeOf(error) === MISSING_PERMISSIONS
            ? 'the bot may not pin messages in the ops channel'
            : 'Discord refused the pin';
      log.warn({ err: error, channelId, messageId }, `${why}; the status board is not pinned`);
    }
  }
  return {
    async post(channelId, board) {
      const message = (await rest.post(Routes.channelMessages(channelId), {
        body: body(board),
      })) as APIMessage;
      await pin(channelId, message.id);
      return message.id;
    },
    async edit(channelId, messageId, board) {
      try {
        await rest.patch(Routes.channelMessage(channelId, messageId), { body: body(board) });
        return 'edited';
      } catch (error) {
        if (codeOf(error) === UNKNOWN_MESSAGE) return 'missing';
        throw error;
      }
    },
    async check(channelId, messageId) {
      try {
        const message = (await rest.get(Routes.channelMessage(channelId, messageId))) as APIMessage;
        if (!message.pinned) await pin(channelId, messageId);
        return 'present';
      } catch (error) {
        if (codeOf(error) === UNKNOWN_MESSAGE) return 'missing';
        throw error;
      }
    },
  };
}
