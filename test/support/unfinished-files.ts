import type { Reporter, TestModule } from 'vitest/node';

/**
 * Names the test files that never finished. When a worker process dies (a native crash, a handler that makes Node
 * exit), Vitest says only "Worker exited unexpectedly", and the file it was running is missing from the list; CI
 * shows the log's tail, so this is said last.
 */
export default class UnfinishedFiles implements Reporter {
  private readonly started = new Map<string, number>();

  onTestModuleStart(module: TestModule): void {
    this.started.set(module.moduleId, performance.now());
  }

  onTestModuleEnd(module: TestModule): void {
    this.started.delete(module.moduleId);
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const unfinished = modules.filter((m) => !['passed', 'failed', 'skipped'].includes(m.state()) || this.started.has(m.moduleId));
    for (const m of unfinished) {
      const at = this.started.get(m.moduleId);
      const tests = [...m.children.allTests()];
      const done = tests.filter((t) => ['passed', 'failed', 'skipped'].includes(t.result().state)).length;
      console.error(`did not finish: ${m.relativeModuleId} (${m.state()}${at === undefined ? ', never started' : `, started ${Math.round((performance.now() - at) / 1000)} s before the end`}; ${done} of ${tests.length} tests done)`);
    }
  }
}
