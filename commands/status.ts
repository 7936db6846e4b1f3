import { defineCommand } from '../src/adapters/discord/command.js';
import { renderStatus } from '../src/adapters/discord/render/status.js';
import { statusBoard } from '../src/app/status.js';

/** /status — anyone (§16): where can I deploy — locks, freezes, queues and runs per service × env. */
export const status = defineCommand({
  name: 'status',
  description: 'Where can I deploy: locks, freezes, queues and running deploys per service and env',
  ephemeral: true,
  async run({ deps }) {
    return renderStatus(await statusBoard(deps), deps.config.timezone);
  },
});
