import { defineCommand } from '../src/adapters/discord/command.js';
import { requiredReason } from '../src/adapters/discord/command-options.js';
import { setMaintenance } from '../src/app/maintenance.js';
import { userText } from '../src/domain/text.js';

/** /maintenance on|off reason — R5 (§3, §7): deploys refused and non-critical jobs paused while on. */
export const maintenance = defineCommand({
  name: 'maintenance',
  description: 'Maintenance mode: refuse deploys and pause non-critical jobs (R5)',
  subcommands: {
    on: { description: 'Turn maintenance on', options: { reason: requiredReason } },
    off: { description: 'Turn maintenance off', options: { reason: requiredReason } },
  },
  ephemeral: true,
  async run({ options, actor, deps }) {
    const on = options.subcommand === 'on';
    const { voided, offered } = await setMaintenance(deps, actor, on, options.reason);
    const extra = on
      ? voided
        ? ` ${voided} pending approval(s) void.`
        : ''
      : offered
        ? ` ${offered} queued request(s) offered again.`
        : '';
    return {
      content: `${on ? '🛠️ Maintenance is on' : '✅ Maintenance is off'}: ${userText(options.reason, 300)}.${extra}`,
    };
  },
});
