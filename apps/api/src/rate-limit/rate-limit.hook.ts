import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { ApiConfig } from '@berth/config';
import type { ErrorBody } from '@berth/contracts';
import { bearerTokenOf } from '../auth/header-bearer.strategy';
import { RateLimiter, type RateLimitSubject } from './rate-limiter';

/**
 * Probes, scraping and the API's own description answer without a bucket: load balancers and
 * Prometheus poll them, and they touch no tenant data. The dashboard's files are static.
 */
const EXEMPT_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/v1/openapi.json']);
const EXEMPT_PREFIXES = ['/dashboard'];
/**
 * Agents are the operator's own hosts, not clients: their request rate follows the fleet's work
 * (heartbeats, state reports that open and close billing, log shipping, data-plane syncs), and a
 * throttled report would leave a container's state and its bill behind. They get no request bucket,
 * but an address that keeps failing authentication is refused here as anywhere.
 */
const UNMETERED_PREFIXES = ['/v1/agent/'];

/** Who the request counts against, or null when it is exempt. */
export function rateLimitSubject(req: FastifyRequest): RateLimitSubject | null {
  const path = req.url.split('?', 1)[0] ?? req.url;
  if (EXEMPT_PATHS.has(path) || EXEMPT_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) {
    return null;
  }
  const address = req.ip;
  if (UNMETERED_PREFIXES.some((p) => path.startsWith(p))) return { kind: 'unmetered', address };
  // Read as authentication reads it, so a request counts against the key it will be authenticated as.
  const token = bearerTokenOf(req.headers.authorization);
  return token ? { kind: 'token', token, address } : { kind: 'anonymous', address };
}

/**
 * Refuses a request over its bucket with `429 rate_limited` and `Retry-After` (whole seconds, at least
 * 1) before anything else runs (authentication, body parsing), and counts every 401 against the
 * client's address. While Redis cannot answer, requests go through: the limits protect the service, and
 * an outage of Redis should not become an outage of the API (readyz reports Redis).
 */
export function installRateLimit(fastify: FastifyInstance, config: ApiConfig): void {
  if (!config.rateLimit.enabled) return;
  // A connection of its own that fails fast instead of queueing: a request never waits on Redis's
  // reconnection (it goes through, see above).
  const redis = new Redis(config.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
  });
  redis.on('error', () => undefined); // reported by the first request that needs it (warnOpen)
  fastify.addHook('onClose', (_instance, done) => {
    redis.disconnect();
    done();
  });
  registerRateLimit(fastify, new RateLimiter(redis, config.rateLimit, config.queuePrefix));
}

function registerRateLimit(fastify: FastifyInstance, limiter: RateLimiter): void {
  let warnedAt = 0;
  const warnOpen = (req: FastifyRequest, err: unknown) => {
    if (Date.now() - warnedAt < 60_000) return;
    warnedAt = Date.now();
    req.log.warn({ err }, 'rate limiter unavailable (Redis); letting requests through');
  };

  fastify.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const subject = rateLimitSubject(req);
    if (!subject) return;
    let verdict;
    try {
      verdict = await limiter.take(subject);
    } catch (err) {
      warnOpen(req, err);
      return;
    }
    if (verdict.allowed) return;
    const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
    const body: ErrorBody = {
      error: {
        code: 'rate_limited',
        message:
          verdict.reason === 'auth_failures'
            ? `too many failed authentications from ${subject.address}; retry in ${seconds} s`
            : subject.kind === 'token'
              ? `too many requests with this API key; retry in ${seconds} s`
              : `too many requests without an API key from ${subject.address}; retry in ${seconds} s`,
        requestId: req.id,
        details: { retryAfterSeconds: seconds },
      },
    };
    return reply
      .status(429)
      .header('retry-after', String(seconds))
      .header('content-type', 'application/json; charset=utf-8')
      .send(body);
  });

  fastify.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    if (reply.statusCode !== 401) return;
    const subject = rateLimitSubject(req);
    if (!subject) return;
    await limiter.recordAuthFailure(subject.address).catch((err: unknown) => warnOpen(req, err));
  });
}
