import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestCase } from 'vitest/node';
import type { TimingEvent } from './timing-reporter.ts';
import TimingReporter from './timing-reporter.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  delete process.env.TESTKIT_TIMING_FILE;
});

function testCase(project: string, name: string, mode: 'run' | 'skip' = 'run'): TestCase {
  // Only the fields the reporter reads.
  return {
    project: { name: project },
    fullName: name,
    options: { mode },
    module: { moduleId: `/repo/${name}.ts` },
  } as unknown as TestCase;
}

describe('the timing reporter', () => {
  it('writes the run start and, per project, only the first test that really runs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'timing-'));
    dirs.push(dir);
    process.env.TESTKIT_TIMING_FILE = path.join(dir, 'timing.jsonl');
    const reporter = new TimingReporter();
    reporter.onTestRunStart();
    reporter.onTestCaseReady(testCase('integration', 'skipped: missing images', 'skip'));
    reporter.onTestCaseReady(testCase('unit', 'a'));
    reporter.onTestCaseReady(testCase('integration', 'b'));
    reporter.onTestCaseReady(testCase('integration', 'c'));
    reporter.onTestRunEnd();
    const events = readFileSync(path.join(dir, 'timing.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as TimingEvent);
    expect(events.map((e) => (e.event === 'first-test' ? `${e.project}:${e.test}` : e.event))).toEqual([
      'run-start',
      'unit:a',
      'integration:b',
      'run-end',
    ]);
  });
});
