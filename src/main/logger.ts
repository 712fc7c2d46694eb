import pino from 'pino';
import type { Config } from '../config';

/** The one pino root per process; components take children of it. */
export function createLogger(config: Config, name: string) {
  return pino({ name, level: config.logLevel, redact: ['authorization', 'req.headers.authorization'] });
}
