// Prints Jest's own totals as one line for CI: "tests: N passed, N failed".
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(
      `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests + results.numRuntimeErrorTestSuites} failed` +
        (skipped ? `, ${skipped} skipped` : '') +
        (results.numRuntimeErrorTestSuites ? ` (${results.numRuntimeErrorTestSuites} suites failed to run)` : '') +
        '\n',
    );
  }
}
module.exports = SummaryReporter;
