import { appendFileSync } from 'node:fs';
import type { Reporter, TestCase } from 'vitest/node';

/** One line of the timing file: when the run started, when each project's first test was about to run. */
export type TimingEvent =
  | { event: 'run-start'; at: number }
  | { event: 'first-test'; at: number; project: string; test: string; file: string }
  | { event: 'run-end'; at: number };

/**
 * A Vitest reporter for benchmarks: appends a JSON line per event (run start, the first test of
 * each project about to run — after its file's beforeAll, so containers included — and run end)
 * to the file named by TESTKIT_TIMING_FILE. Use it beside a normal reporter:
 * `vitest run --reporter=verbose --reporter=packages/testkit/src/vitest/timing-reporter.ts`.
 */
export default class TimingReporter implements Reporter {
  private readonly file = process.env.TESTKIT_TIMING_FILE;
  private readonly projectsSeen = new Set<string>();

  private write(event: TimingEvent): void {
    if (this.file) appendFileSync(this.file, `${JSON.stringify(event)}\n`);
  }

  onTestRunStart(): void {
    this.write({ event: 'run-start', at: Date.now() });
  }

  onTestCaseReady(testCase: TestCase): void {
    if (testCase.options.mode === 'skip' || testCase.options.mode === 'todo') return;
    const project = testCase.project.name;
    if (this.projectsSeen.has(project)) return;
    this.projectsSeen.add(project);
    this.write({
      event: 'first-test',
      at: Date.now(),
      project,
      test: testCase.fullName,
      file: testCase.module.moduleId,
    });
  }

  onTestRunEnd(): void {
    this.write({ event: 'run-end', at: Date.now() });
  }
}
