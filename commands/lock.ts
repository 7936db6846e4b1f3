import { defineCommand } from '../src/adapters/discord/command.js';
import { durationOption, requiredReason } from '../src/adapters/discord/command-options.js';
import { lockTarget, lockUntil } from '../src/adapters/discord/render/locks.js';
import { lockAll, lockEnv } from '../src/app/locks.js';
import { userText } from '../src/domain/text.js';
import { targetOption, deploy } from './deploy.js';

const ttl = durationOption('Unlock by itself after, e.g. 2h, 90m (default: until /unlock)', false);

/**
 * /lock service service env reason [ttl] (R4/R5) and /lock all reason (R5) (§16): requests to a locked
 * env wait in its queue and are offered in order once it is unlocked or the ttl is up.
 */
export const lock = defineCommand({
  name: 'lock',
  description: 'Lock an environment (or every one): requests wait in the queue until it is unlocked',
  subcommands: {
    service: {
      description: 'Lock one service and env (R4/R5)',
      options: {
        service: targetOption('The service'),
        env: targetOption('The environment'),
        reason: requiredReason,
        ttl,
      },
    },
    all: { description: 'Lock every environment of every service (R5)', options: { reason: requiredReason } },
  },
  ephemeral: true,
  async run({ options, actor, deps }) {
    const taken =
      options.subcommand === 'all'
        ? await lockAll(deps, actor, options.reason)
        : await lockEnv(deps, actor, {
            service: options.service,
            env: options.env,
            reason: options.reason,
            ...(options.ttl !== undefined ? { ttlMs: options.ttl } : {}),
          });
    return {
      content: `🔒 Locked ${lockTarget(taken)} ${lockUntil(taken, deps.config.timezone)}: ${userText(taken.reason, 300)}.`,
    };
  },
  // The same suggestions as /deploy.
  autocomplete: (context) => deploy.autocomplete?.(context) ?? [],
});
