// One Temporal runtime per test process, quiet unless asked: a passing test prints nothing of the worker's. Expected
// failures (a heal that rolls back, a replay meant to break) log "Workflow failed" or a nondeterminism warning at WARN,
// so tests log from ERROR up. Set TEST_LOG_LEVEL=warn, info or debug to see more when a test fails.
import { DefaultLogger, makeTelemetryFilterString, Runtime, type LogLevel } from '@temporalio/worker';

const LEVELS: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/** TEST_LOG_LEVEL (trace, debug, info, warn, error; default error) in Temporal's spelling. */
export function testLogLevel(): LogLevel {
  return LEVELS[(process.env['TEST_LOG_LEVEL'] ?? 'error').toLowerCase()] ?? 'ERROR';
}

/** The same level for pino (the worker's and the API's own logs). */
export function testPinoLevel(): string {
  return testLogLevel().toLowerCase();
}

let installed = false;

/** Installs the runtime once: the SDK's logs and Core's (forwarded to the same logger) at TEST_LOG_LEVEL. */
export function installTestRuntime(): DefaultLogger {
  const logger = new DefaultLogger(testLogLevel());
  if (!installed) {
    installed = true;
    Runtime.install({ logger, telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: testLogLevel() }), forward: {} } } });
  }
  return logger;
}
