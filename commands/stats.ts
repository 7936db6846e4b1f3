import { renderDoraPng } from '../src/adapters/charts/dora-chart.js';
import { defineCommand } from '../src/adapters/discord/command.js';
import { option } from '../src/adapters/discord/command-options.js';
import { renderStats } from '../src/adapters/discord/render/stats.js';
import { deployStats, STATS_MAX_DAYS } from '../src/app/stats.js';

/** /stats [service] [days] — anyone (§17): DORA figures of prod, with a chart. */
export const stats = defineCommand({
  name: 'stats',
  description: 'Delivery stats (DORA) of prod, with a chart',
  options: {
    service: option.string({
      description: 'Only this service',
      autocomplete: true,
      minLength: 1,
      maxLength: 40,
    }),
    days: option.integer({
      description: 'How many days back (default 30)',
      minValue: 1,
      maxValue: STATS_MAX_DAYS,
    }),
  },
  ephemeral: true,
  async run({ options, deps, log }) {
    const figures = await deployStats(deps, { service: options.service, days: options.days });
    let chart: Buffer | undefined;
    try {
      chart = await renderDoraPng(figures.figures);
    } catch (error) {
      // The figures are the answer; the picture of them is a bonus that must not cost it.
      log.warn({ err: error }, 'stats chart could not be rendered');
    }
    return renderStats(figures, chart);
  },
  autocomplete({ focused, deps }) {
    return Object.keys(deps.config.services)
      .filter((s) => s.startsWith(focused.value.toLowerCase()))
      .map((s) => ({ name: s, value: s }));
  },
});
