// The operator dashboard: static files served by the API itself at `/` (no CDN, works offline), plus the two
// browser libraries it uses, served from node_modules. The page holds no data; it reads the REST API and Socket.IO
// with the token the operator signs in with.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

export const DASHBOARD_DIR = path.join(__dirname, 'public');

/** The folder of a file inside an installed package (their `exports` maps hide the browser bundles from require). */
function packageDir(pkg: string, file: string): string {
  for (const modules of require.resolve.paths(pkg) ?? []) {
    if (existsSync(path.join(modules, pkg, file))) return path.dirname(path.join(modules, pkg, file));
  }
  throw new Error(`${pkg}/${file} is not installed: run npm ci`);
}

/** The browser bundles the page loads as classic scripts (they set window.Chart and window.io). */
const VENDOR_FILES: Record<string, string> = {
  'chart.umd.min.js': packageDir('chart.js', 'dist/chart.umd.min.js'),
  'socket.io.min.js': packageDir('socket.io-client', 'dist/socket.io.min.js'),
};

// Scripts and styles only from the API, no inline script; the socket connects back to the same origin.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export async function dashboardPlugin(app: FastifyInstance): Promise<void> {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    return payload;
  });
  // wildcard: false registers one route per file found at startup: nothing outside the folder can be asked for.
  await app.register(fastifyStatic, { root: DASHBOARD_DIR, prefix: '/', wildcard: false, index: 'index.html', cacheControl: true, maxAge: 0 });
  for (const [file, dir] of Object.entries(VENDOR_FILES)) {
    app.get(`/vendor/${file}`, { schema: { hide: true } }, (_request, reply) => reply.sendFile(file, dir, { maxAge: 3_600_000 }));
  }
}
