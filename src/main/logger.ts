import pino from 'pino';
import type { Config } from '../config';

/** The one pino root per process; components take children of it. `destination`: stdout unless given (tests). */
export function createLogger(config: Config, name: string, destination?: pino.DestinationStream) {
  const options = { name, level: config.logLevel, redact: ['authorization', 'req.headers.authorization'] };
  return destination ? pino(options, destination) : pino(options);
}
