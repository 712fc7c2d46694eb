import { loadConfig } from '../../config';
import { MAX_SCOPE_PATTERNS, ROLES, SCOPE_PATTERN, signToken, type Role } from '../../auth/jwt';
import { UsageError, type Command } from '../command';

export const tokenCommand: Command = {
  name: 'token',
  summary: 'print a JWT valid for the local configuration',
  usage: 'selfheal token --sub NAME --role viewer|operator|admin [--ttl SECONDS] [--services PATTERN,...]',
  options: { sub: { type: 'string' }, role: { type: 'string' }, ttl: { type: 'string' }, services: { type: 'string' } },
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
    // A scoped token covers only these services (glob patterns): docs/security.md, "Scoped tokens".
    let services: string[] | undefined;
    if (values.services !== undefined) {
      services = String(values.services).split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      if (services.length === 0 || services.length > MAX_SCOPE_PATTERNS || !services.every((s) => SCOPE_PATTERN.test(s))) {
        throw new UsageError(`--services must list 1 to ${MAX_SCOPE_PATTERNS} comma-separated service names or patterns (letters, digits, _ . - and *)`);
      }
    }
    process.stdout.write(`${signToken(config, { sub, role: role as Role, ...(services ? { services } : {}) }, ttl)}\n`);
    return 0;
  },
};
