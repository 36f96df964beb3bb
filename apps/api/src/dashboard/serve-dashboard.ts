import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '@berth/domain';

/**
 * The billing dashboard (apps/dashboard, built by vite into `dir`) at /dashboard/. It is a client of the
 * public API like any other: static files only, no session on the server. The policy keeps the page to
 * its own origin (scripts, API calls), so an injected script could neither load nor send a key away.
 */
export async function serveDashboard(fastify: FastifyInstance, dir: string): Promise<void> {
  const built = existsSync(path.join(dir, 'index.html'));
  if (!built) {
    const notBuilt = () => {
      throw new DomainError(
        'route/not_found',
        'the dashboard is not built on this server (npm run build builds it)',
      );
    };
    fastify.get('/dashboard', notBuilt);
    fastify.get('/dashboard/*', notBuilt);
    return;
  }
  // Loaded only when there is something to serve: @fastify/static pulls in ES modules that Node loads
  // natively but jest's CommonJS runtime cannot, and suites that build the API run without the dashboard.
  const { default: fastifyStatic } = await import('@fastify/static');
  await fastify.register(fastifyStatic, {
    root: dir,
    prefix: '/dashboard/',
    decorateReply: false,
    index: ['index.html'],
    setHeaders: (reply) => {
      void reply.header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      );
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('referrer-policy', 'no-referrer');
    },
  });
  fastify.get('/dashboard', (_req, reply) => reply.redirect('/dashboard/', 302));
}
