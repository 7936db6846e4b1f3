/**
 * The DORA chart (§17): prod deploys per day and the median lead time per day, one above the other.
 * Vega-Lite describes it, Vega renders it to SVG in-process (no browser, no canvas), resvg turns the SVG
 * into the PNG Discord shows. The status page inlines the same SVG.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { DoraFigures } from '../../domain/dora.js';

const HOUR_MS = 3_600_000;
const WIDTH = 560;

/** The Vega-Lite spec: plain data, so it can be checked without rendering. */
export function doraChartSpec(figures: DoraFigures): TopLevelSpec {
  const values = figures.daily.map((d) => ({
    day: d.day,
    deploys: d.deploys,
    ...(d.leadTimeMedianMs === undefined
      ? {}
      : { leadTimeHours: Math.round((d.leadTimeMedianMs / HOUR_MS) * 10) / 10 }),
  }));
  const x = { field: 'day', type: 'temporal', timeUnit: 'utcyearmonthdate', title: null } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    data: { values },
    // One time axis for both charts, so a day sits at the same place in each.
    resolve: { scale: { x: 'shared' } },
    config: { font: 'DejaVu Sans, Arial, sans-serif', view: { stroke: null } },
    vconcat: [
      {
        title: 'Prod deploys per day',
        width: WIDTH,
        height: 120,
        mark: { type: 'bar', color: '#4c78a8' },
        encoding: {
          x: { ...x, axis: { format: '%b %d', labelAngle: 0 } },
          y: { field: 'deploys', type: 'quantitative', title: 'deploys', axis: { tickMinStep: 1 } },
        },
      },
      {
        title: 'Median lead time for changes (hours)',
        width: WIDTH,
        height: 120,
        transform: [{ filter: 'isValid(datum.leadTimeHours)' }],
        mark: { type: 'line', point: { filled: true, color: '#f58518' }, color: '#f58518' },
        encoding: {
          x: { ...x, axis: { format: '%b %d', labelAngle: 0 } },
          y: { field: 'leadTimeHours', type: 'quantitative', title: 'hours' },
        },
      },
    ],
  };
}

/** The chart as SVG (for the status page). */
export async function renderDoraSvg(figures: DoraFigures): Promise<string> {
  // Loaded on first use: Vega is large, and most processes never draw a chart.
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new View(parse(compile(doraChartSpec(figures)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as PNG (for `/stats` and `/status/chart.png`), at twice the size for sharp text. */
export async function renderDoraPng(figures: DoraFigures): Promise<Buffer> {
  const svg = await renderDoraSvg(figures);
  const { Resvg } = await import('@resvg/resvg-js');
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true } })
    .render()
    .asPng();
}
