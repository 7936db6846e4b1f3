import { defineCommand } from '../src/adapters/discord/command.js';
import { lockTarget } from '../src/adapters/discord/render/locks.js';
import { unlockAll, unlockEnv } from '../src/app/locks.js';
import { deploy, targetOption } from './deploy.js';

/** /unlock service service env (its owner or an R5) and /unlock all (R5) (§16): the queue is offered. */
export const unlock = defineCommand({
  name: 'unlock',
  description: 'Lift a lock: the first request waiting in line is offered',
  subcommands: {
    service: {
      description: 'Unlock one service and env (who locked it, or an R5)',
      options: { service: targetOption('The service'), env: targetOption('The environment') },
    },
    all: { description: 'Lift the lock on every environment (R5)' },
  },
  ephemeral: true,
  async run({ options, actor, deps }) {
    const { lock, offered } =
      options.subcommand === 'all'
        ? await unlockAll(deps, actor)
        : await unlockEnv(deps, actor, { service: options.service, env: options.env });
    const next = offered ? ` ${offered} queued request(s) offered.` : '';
    return { content: `🔓 Unlocked ${lockTarget(lock)}.${next}` };
  },
  autocomplete: (context) => deploy.autocomplete?.(context) ?? [],
});
