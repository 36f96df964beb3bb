import { z } from 'zod';

/**
 * Helpers shared by the app configs. Environment variables are strings; these turn them into typed
 * values with defaults, and make every problem a readable message naming the variable.
 */
export const intFromEnv = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

export const boolFromEnv = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const secretFromEnv = (name: string) =>
  z.string({ error: `${name} is required` }).min(24, `${name} must be at least 24 characters`);

/**
 * The Redis key prefix of queues, log streams and rate limits, shared by API and agents: a plain name, or
 * a name in braces (`{berth}`), BullMQ's hash tag for Redis Cluster, which keeps every key of a queue in
 * one hash slot so that its multi-key scripts work there.
 */
export const queuePrefixFromEnv = () =>
  z
    .string()
    .regex(/^([a-z0-9_-]{1,32}|\{[a-z0-9_-]{1,30}\})$/i, 'BERTH_QUEUE_PREFIX must be a name or a {name}')
    .default('berth');

export type Env = Readonly<Record<string, string | undefined>>;

/** Parses `env` with `schema`, throwing one error that lists every bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env, appName: string): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new Error(`invalid ${appName} configuration:\n${lines.join('\n')}`);
}

/** The process environment, read here and nowhere else (DESIGN.md: config is parsed once). */
export function processEnv(): Env {
  return process.env;
}

/** Only what migrations need, so that `npm run migrate` works without the API's secrets. */
export function loadDatabaseUrl(env: Env = processEnv()): string {
  return parseEnv(
    z.object({ DATABASE_URL: z.string().default('postgres://berth:berth@127.0.0.1:5432/berth') }),
    env,
    'migrate',
  ).DATABASE_URL;
}
