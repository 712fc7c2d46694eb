// Activities under test in a MockActivityEnvironment whose log entries are kept, not printed: a passing test prints
// nothing, and a test can read what an activity logged of its decisions.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';

export function recordingActivityEnv(): { env: MockActivityEnvironment; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return { env: new MockActivityEnvironment({}, { logger: new DefaultLogger('TRACE', (entry) => entries.push(entry)) }), entries };
}
