import { defineCommand } from '../src/adapters/discord/command.js';
import { requestSmokeNow } from '../src/app/smoke.js';

/** /smoke run — an R5 runs the nightly smoke now; its summary is posted to the ops channel when done. */
export const smoke = defineCommand({
  name: 'smoke',
  description: 'Nightly smoke on staging',
  subcommands: { run: { description: 'Run the nightly smoke now (R5)' } },
  ephemeral: true,
  async run({ actor, deps }) {
    await requestSmokeNow(deps, actor);
    return { content: '🧪 Nightly smoke started; the summary will be posted in the ops channel.' };
  },
});
