// Prints CI's closing line, "N passed, N failed[, N skipped]", from vitest's JSON report.
// Usage: node scripts/ci-summary.mjs <report.json> <npm test exit status>
// Exits non-zero when anything failed, or when the suite did not run (lint or typecheck stopped it).
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, statusText = '0'] = process.argv.slice(2);
const status = Number(statusText);
if (!reportPath || !existsSync(reportPath)) {
  console.log('vitest did not run (lint or typecheck failed first: see above)');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const passed = report.numPassedTests ?? 0;
// A test file that fails to load has no failed test of its own: count it as one failure.
const brokenFiles = (report.testResults ?? []).filter(
  (file) => file.status === 'failed' && file.assertionResults?.length === 0,
).length;
const failed =
  (report.numFailedTests ?? 0) +
  brokenFiles +
  (status !== 0 && (report.numFailedTests ?? 0) === 0 && brokenFiles === 0 ? 1 : 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
