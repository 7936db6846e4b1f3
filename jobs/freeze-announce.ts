import { z } from 'zod';
import { defineJob } from '../src/adapters/scheduler/job.js';
import { announceTransition, FREEZE_JOBS } from '../src/app/freeze-announcements.js';

const data = z
  .object({
    key: z.string().min(1).max(300),
    kind: z.enum(['buffer-start', 'start', 'end']),
    source: z.enum(['window', 'freeze']),
    name: z.string().min(1).max(500),
    freezeId: z.string().min(1).max(20).optional(),
    envs: z.array(z.string().min(1).max(40)).min(1),
    startsAt: z.iso.datetime(),
    endsAt: z.iso.datetime(),
  })
  .loose();

/**
 * Posts one freeze announcement (§7) at a buffer start, a start or an end; voids pending approvals at the
 * first, offers queued requests again at the end. An announcement, so paused while maintenance is on.
 */
export const freezeAnnounce = defineJob({
  name: FREEZE_JOBS.announce,
  data,
  critical: false,
  async run(job, { deps }) {
    await announceTransition(deps, {
      key: job.key,
      kind: job.kind,
      source: job.source,
      name: job.name,
      ...(job.freezeId ? { freezeId: job.freezeId } : {}),
      envs: job.envs,
      startsAt: job.startsAt,
      endsAt: job.endsAt,
    });
  },
});
