import { loadConfig } from '../../config';
import { ROLES, signToken, type Role } from '../../auth/jwt';
import { UsageError, type Command } from '../command';

export const tokenCommand: Command = {
  name: 'token',
  summary: 'print a JWT valid for the local configuration',
  usage: 'selfheal token --sub NAME --role viewer|operator|admin [--ttl SECONDS]',
  options: { sub: { type: 'string' }, role: { type: 'string' }, ttl: { type: 'string' } },
  async run(values) {
    const sub = values.sub;
    const role = values.role;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200) throw new UsageError('--sub NAME is required (1-200 characters)');
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    const config = loadConfig();
    let ttl = config.jwt.ttlSeconds;
    if (values.ttl !== undefined) {
      ttl = Number(values.ttl);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 30 * 24 * 3600) throw new UsageError('--ttl must be an integer number of seconds from 1 to 2592000');
    }
    process.stdout.write(`${signToken(config, { sub, role: role as Role }, ttl)}\n`);
    return 0;
  },
};
