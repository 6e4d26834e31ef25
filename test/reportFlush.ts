// Preloaded into every process of `npm test` (node --require, which the test
// runner passes on to each test file's process): the test file's report to
// the runner goes over its stdout, a pipe, and under --test-force-exit the
// process exits as soon as its last test ends. Node 20's runner does not wait
// for a pipe's queued writes then (nodejs/node#64833), so the last verdicts
// of a file could be lost with the run still passing: one CI run here
// reported 672 of 677 tests, the last five of rawFixtures.test.ts missing.
// A blocking stdout has nothing queued at the exit.
const handle = (process.stdout as unknown as { _handle?: { setBlocking?: (on: boolean) => void } })._handle;
if (handle && typeof handle.setBlocking === 'function') handle.setBlocking(true);
