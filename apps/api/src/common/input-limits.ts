import { RouteConfig } from '@nestjs/platform-fastify';

/**
 * The shape that every request's JSON body, query string and path parameters must fit before
 * anything else reads them (checked by `assertInputShape`, from the `refuseHostileInput` hook).
 *
 * Why: class-transformer, class-validator and our own canonical JSON walk what they are given
 * recursively, so 2,000 nested arrays overflowed the stack and answered 500; and a body of hundreds of
 * thousands of tiny values costs them far more than it costs JSON.parse. Every limit sits well above
 * the largest request a client can legitimately make (the DTOs' own limits, quoted beside each one),
 * so that only hostile input ever meets one.
 */
export interface InputShapeLimits {
  /** Levels of arrays and objects, the body (or query, or parameters) itself being level 1. */
  readonly maxDepth: number;
  /** Items in any one array (a repeated query parameter is an array too). */
  readonly maxArrayLength: number;
  /** Keys in any one object. */
  readonly maxKeysPerObject: number;
  /** Object keys plus array items, over the whole input. */
  readonly maxEntries: number;
  /** Characters in any string value. */
  readonly maxStringLength: number;
  /** Characters in any object key. */
  readonly maxKeyLength: number;
}

/** The largest request body, in bytes (Fastify's `bodyLimit`; over it is `413 request/payload_too_large`). */
export const MAX_BODY_BYTES = 1024 * 1024;

export const INPUT_LIMITS: InputShapeLimits = Object.freeze({
  // The deepest DTO nests 3 levels (a security group's rules, an agent's error report); an image's
  // config relayed by an agent 3; Stripe's webhook events about 8.
  maxDepth: 32,
  // The longest arrays any DTO accepts hold 256 items (a container's or an exec's command, an exec's
  // env); security group rules 60, label filters 16.
  maxArrayLength: 1024,
  // The largest object any DTO accepts is an env map of 256 variables (labels: 64).
  maxKeysPerObject: 1024,
  // A container create with every list and map at its maximum is about 600 keys and items.
  maxEntries: 10_000,
  // The longest string a tenant may send is an environment variable's value, 32,768 characters.
  maxStringLength: 64 * 1024,
  // Environment variable names reach 256 characters, label keys 63.
  maxKeyLength: 1024,
});

/**
 * The body of an agent's exec result: the agent keeps up to 1 MiB of a command's output (plus the frame
 * that crossed it), and JSON escaping can grow each byte of binary output to six (`\u0000`), so a
 * legitimate report can exceed MAX_BODY_BYTES; only a host token reaches this route.
 */
export const COMMAND_OUTPUT_BODY_BYTES = 16 * 1024 * 1024;

/**
 * For the one route whose strings are bounded by the body size only: an agent reporting an exec's
 * stdout and stderr (the command's own output).
 */
export const COMMAND_OUTPUT_LIMITS: InputShapeLimits = Object.freeze({
  ...INPUT_LIMITS,
  maxStringLength: COMMAND_OUTPUT_BODY_BYTES,
});

/**
 * The keys refused anywhere in a request: assigned onto a plain object, `__proto__` replaces its
 * prototype, and `constructor`/`prototype` are how prototype-pollution payloads reach
 * `Object.prototype`. No berth field, env variable or label needs them.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by `@InputLimits` on the few routes that need other limits than INPUT_LIMITS. */
    inputLimits?: InputShapeLimits;
    /** Set by `@InputLimits` where the route takes bodies larger than MAX_BODY_BYTES (applied in `onRoute`). */
    bodyLimitBytes?: number;
  }
}

/**
 * Gives one route other input limits than INPUT_LIMITS (they are still checked before validation), and
 * optionally a larger body limit than MAX_BODY_BYTES.
 */
export function InputLimits(limits: InputShapeLimits, bodyLimitBytes?: number): MethodDecorator {
  return RouteConfig({ inputLimits: limits, ...(bodyLimitBytes ? { bodyLimitBytes } : {}) });
}
