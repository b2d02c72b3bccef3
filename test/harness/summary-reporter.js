// Prints one plain closing line, "Tests: N passed, N failed", so CI logs state how many tests ran; before it, each
// skipped test by file and full name, so a test skipped for a missing tool (its title says which) is never silent.
const { relative } = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skippedTests = [];
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') {
          skippedTests.push(`  skipped: ${relative(process.cwd(), file.testFilePath)} › ${t.fullName}`);
        }
      }
    }
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `Tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed`;
    const listed = skippedTests.length ? `\n${skippedTests.join('\n')}\n` : '';
    process.stdout.write(`${listed}\n${line}${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
module.exports = SummaryReporter;
