// `npm run faults`: runs the faults suite (test/faults/) and prints the figures its tests leave in
// .cache/faults-figures.json. Exits with the suite's status.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const FIGURES = '.cache/faults-figures.json';
rmSync(FIGURES, { force: true });
const run = spawnSync('npx', ['vitest', 'run', 'test/faults'], { stdio: 'inherit' });

let figures = {};
try {
  figures = JSON.parse(readFileSync(FIGURES, 'utf8'));
} catch {
  console.error(`no figures in ${FIGURES}: the suite did not get far enough to write them`);
}
// The areas in the order the README lists them; an area this list does not know comes after them.
const ORDER = [
  'hostile text',
  'forged custom_ids',
  'permission matrix',
  'GitHub faults',
  'Discord faults',
  'webhook deliveries',
  'secrets',
];
const rank = (area) => (ORDER.includes(area) ? ORDER.indexOf(area) : ORDER.length);
const rows = Object.entries(figures)
  .sort(([a], [b]) => rank(a) - rank(b))
  .map(([area, f]) => ({
    area,
    tried: String(f.tried),
    problems: String(f.problems),
    detail: Object.entries(f.detail ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join(', '),
  }));
if (rows.length > 0) {
  console.log('\n| area | tried | problems | detail |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.area} | ${r.tried} | ${r.problems} | ${r.detail} |`);
  const problems = Object.values(figures).reduce((sum, f) => sum + Number(f.problems), 0);
  console.log(`\n${rows.length} areas, ${problems} problems`);
}
process.exit(run.status ?? 1);
