import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { STATUS_BOARD_CHECK_JOB, STATUS_BOARD_JOB } from '../src/app/job-names.js';
import { refreshStatusBoard } from '../src/app/visibility/board.js';

/**
 * The status board (§17). `status-board` is the debounced refresh a change asks for (one per window);
 * `status-board-check` runs at start-up and every minute, and also makes sure the board still exists.
 * Bookkeeping only, so both run in maintenance (the board then says so).
 */
export const statusBoard = defineJob({
  name: STATUS_BOARD_JOB,
  data: z.object({}).loose(),
  critical: true,
  async run(_data, { deps, log }) {
    const outcome = await refreshStatusBoard(deps);
    log.debug({ outcome }, 'status board refreshed');
  },
});

export const statusBoardCheck = defineJob({
  name: STATUS_BOARD_CHECK_JOB,
  data: z.object({}).loose(),
  critical: true,
  every: () => 60_000,
  async run(_data, { deps, log }) {
    const outcome = await refreshStatusBoard(deps, { check: true });
    log.debug({ outcome }, 'status board checked');
  },
});
