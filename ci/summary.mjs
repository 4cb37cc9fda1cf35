// Adds up vitest JSON reports into the plain closing line "tests: N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs';
let passed = 0, failed = 0, skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`summary: ${file} is missing (that vitest run did not finish)`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  // a file that failed to load has no failed test of its own: count it once
  if (r.numFailedTests === 0 && (r.numFailedTestSuites ?? 0) > 0) failed += r.numFailedTestSuites;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
