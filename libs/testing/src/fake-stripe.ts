import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import {
  canonical,
  failure,
  invalidRequest,
  missing,
  optObject,
  optString,
  optTimestamp,
  parseForm,
  parseMetadata,
  randomId,
  rejectUnknown,
  reqString,
  reqTimestamp,
  StripeFailure,
  type FormObject,
} from './fake-stripe-wire';
import { FakeStripeCatalogue, type PriceObject, type ProductObject } from './fake-stripe-billing';

/*
 * FakeStripe: a TEST DOUBLE for the real Stripe API (https://api.stripe.com).
 *
 * Why it exists: berth bills per second through Stripe (customers + Billing meters + meter events),
 * but the real service is outside this machine, so tests cannot reach it and must not depend on it.
 * Instead the tests start this small, local, Stripe-compatible HTTP server and point the OFFICIAL
 * `stripe` npm package at it (`new Stripe(key, { host, port, protocol: 'http' })`). The production
 * code path, including the library's own request encoding, retry and error mapping, is therefore
 * exercised unchanged; only the far end of the wire is replaced.
 *
 * What it implements (the subset berth uses, nothing else):
 *   POST /v1/customers                              create (name, email, description, phone, metadata)
 *   GET  /v1/customers, GET /v1/customers/:id       list (newest first, has_more false) / retrieve
 *   POST /v1/billing/meters                         create (event_name must be unused)
 *   GET  /v1/billing/meters, /v1/billing/meters/:id list (optional status filter) / retrieve
 *   POST /v1/billing/meter_events                   create (identifier must be unused)
 *   GET  /v1/billing/meters/:id/event_summaries     one summary over [start_time, end_time)
 *   products, prices, subscriptions and their items  see fake-stripe-billing.ts
 * and, across all of them, what the library relies on:
 *   - `Authorization: Bearer <secret key>` (or HTTP Basic with the key as user); anything else is 401.
 *   - application/x-www-form-urlencoded bodies (and GET query strings) in Stripe's bracket notation,
 *     `metadata[tenant]=t1`, `payload[value]=12`, `expand[0]=x`, parsed into nested objects.
 *   - `Idempotency-Key` on POSTs with Stripe's semantics: the same key with the same parameters
 *     replays the first (successful) response unchanged, with `Idempotent-Replayed: true`; the same
 *     key with different parameters is a 400 `idempotency_error` (StripeIdempotencyError). Only 2xx
 *     results are stored, matching Stripe's rule that requests failing validation save no result.
 *   - Stripe-shaped JSON objects and error bodies `{ "error": { type, code?, message, param? } }`,
 *     with the status codes the library maps to its error classes (400/404 invalid request,
 *     401 authentication, 5xx API error), and a `Request-Id: req_...` header on every response.
 *   - Unknown parameters on the billing endpoints are refused (`parameter_unknown`) like Stripe does,
 *     so a typo in berth's request shows up in tests rather than in production.
 *
 * Deliberate differences from the real service (keep them in mind when reading test results):
 *   - Real Stripe processes meter events asynchronously and reports some problems (no such meter,
 *     no such customer) later via error-report webhooks; this fake refuses them synchronously with
 *     a 400, which is stricter and easier to assert on.
 *   - Event summaries lag accepted events by `summaryLagMs` (default 0; Stripe: seconds to minutes,
 *     so tests of reconciliation set it). `value_grouping_window` is not supported (400). Their
 *     start_time and end_time must be minute aligned, as Stripe requires (400 otherwise).
 *   - Meter-event timestamps must be within the past 35 days and at most 5 minutes ahead, by the
 *     fake's clock (`now`); Stripe's error code for that is undocumented, so the 400 carries none.
 *   - Identifiers are unique for exactly 24 hours (Stripe: "a rolling period of at least 24 hours"):
 *     the same identifier a day later is a second event, as it may be at Stripe.
 *   - A 401 carries `type: 'invalid_request_error'`, as the real API sends it (the library turns any
 *     401 into StripeAuthenticationError by status code).
 *
 * Failure injection: `setDown('503')` answers every request with 503 `api_error` (the library
 * retries those when maxNetworkRetries > 0, reusing its Idempotency-Key); `setDown('reset')`
 * destroys each socket without answering (the library retries a closed connection once even with
 * maxNetworkRetries 0, then throws StripeConnectionError). Such calls are still recorded in `calls`,
 * with status 0 for a reset.
 */

/** One request received by the fake, recorded in arrival order. */
export interface FakeStripeCall {
  readonly method: string;
  /** The URL path without its query string, e.g. '/v1/billing/meter_events'. */
  readonly path: string;
  /**
   * Form body (POST) or query string (GET), parsed from bracket notation into nested objects. A POST
   * dropped by setDown('reset') is recorded before its body is read, so only its query string shows.
   */
  readonly params: Record<string, unknown>;
  readonly idempotencyKey: string | null;
  readonly at: Date;
  /** HTTP status answered; 0 when the socket was destroyed (setDown('reset')). */
  readonly status: number;
}

export interface FakeStripeCustomer {
  id: string;
  name: string | null;
  email: string | null;
  metadata: Record<string, string>;
}

export interface FakeStripeMeter {
  id: string;
  event_name: string;
  display_name: string;
}

export interface FakeStripeMeterEvent {
  identifier: string;
  event_name: string;
  customer: string;
  value: number;
  timestamp: number;
}

export interface FakeStripeOptions {
  /** The fake's clock in ms (default Date.now): the identifier window and timestamp rules use it. */
  readonly now?: () => number;
  /** How long an accepted event stays out of event summaries (Stripe: seconds to minutes). Default 0. */
  readonly summaryLagMs?: number;
}

/** Stripe keeps meter-event identifiers unique for at least this long (the fake: exactly this long). */
export const IDENTIFIER_WINDOW_MS = 24 * 3_600_000;
/** Meter-event timestamps: at most 35 calendar days in the past, 5 minutes in the future. */
const EVENT_PAST_WINDOW_S = 35 * 86_400;
const EVENT_FUTURE_WINDOW_S = 5 * 60;

export interface FakeStripe {
  /** '127.0.0.1' */
  readonly host: string;
  readonly port: number;
  /** 'sk_test_fake_<random>'; requests with another key get 401. */
  readonly secretKey: string;
  /** 'whsec_<random>', the secret `signedEvent` signs with. */
  readonly webhookSecret: string;
  /** Every request received, in order. */
  readonly calls: ReadonlyArray<FakeStripeCall>;
  customers(): FakeStripeCustomer[];
  meters(): FakeStripeMeter[];
  /** Accepted meter events, in order. value is a number. */
  meterEvents(): FakeStripeMeterEvent[];
  /** Meter-event creates refused because their identifier was used within the last 24 hours. */
  rejectedDuplicates(): string[];
  /** Products, prices (amounts as given) and subscriptions (their items' prices), as created. */
  products(): ProductObject[];
  prices(): PriceObject[];
  subscriptions(): { id: string; customer: string; status: 'active' | 'canceled'; prices: string[] }[];
  /** While down, every request is answered 503 (error type api_error) — or, with 'reset', the socket is destroyed. */
  setDown(mode: false | '503' | 'reset'): void;
  /**
   * A webhook delivery signed like Stripe's: body is the JSON event text, signature the
   * Stripe-Signature header value (signed with stripe's own webhooks.generateTestHeaderString).
   */
  signedEvent(
    type: string,
    object: Record<string, unknown>,
    opts?: { created?: number },
  ): { body: string; signature: string; id: string };
  stop(): Promise<void>;
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  if (Array.isArray(v)) return v[0] ?? null;
  return v ?? null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Stored objects, in the JSON shape Stripe returns
// ---------------------------------------------------------------------------------------------

interface CustomerObject {
  id: string;
  object: 'customer';
  address: null;
  balance: number;
  created: number;
  currency: null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: {
    custom_fields: null;
    default_payment_method: null;
    footer: null;
    rendering_options: null;
  };
  livemode: false;
  metadata: Record<string, string>;
  name: string | null;
  phone: string | null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: 'none';
  test_clock: null;
}

type Formula = 'sum' | 'count' | 'last';

interface MeterObject {
  id: string;
  object: 'billing.meter';
  created: number;
  customer_mapping: { event_payload_key: string; type: 'by_id' };
  default_aggregation: { formula: Formula };
  display_name: string;
  event_name: string;
  event_time_window: 'day' | 'hour' | null;
  livemode: false;
  status: 'active';
  status_transitions: { deactivated_at: null };
  updated: number;
  value_settings: { event_payload_key: string };
}

interface MeterEventObject {
  object: 'billing.meter_event';
  created: number;
  event_name: string;
  identifier: string;
  livemode: false;
  payload: Record<string, string>;
  timestamp: number;
}

interface Reply {
  status: number;
  body: unknown;
}

interface StoredIdempotentResult {
  method: string;
  path: string;
  fingerprint: string;
  requestId: string;
  reply: Reply;
}

/** Wraps items in Stripe's list envelope. */
function list(url: string, data: unknown[]): Reply {
  return { status: 200, body: { object: 'list', data, has_more: false, url } };
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/** Starts the fake on 127.0.0.1 on a free port; resolves once it is listening. */
export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
  const host = '127.0.0.1';
  const clock = options.now ?? (() => Date.now());
  const nowSeconds = (): number => Math.floor(clock() / 1000);
  const summaryLagMs = options.summaryLagMs ?? 0;
  const secretKey = randomId('sk_test_fake_');
  const webhookSecret = randomId('whsec_', 32);

  const calls: FakeStripeCall[] = [];
  const customers = new Map<string, CustomerObject>();
  const meters = new Map<string, MeterObject>();
  const events: (FakeStripeMeterEvent & { acceptedAtMs: number })[] = [];
  /** When each identifier was last accepted (the fake's clock, ms): kept IDENTIFIER_WINDOW_MS only. */
  const identifiers = new Map<string, number>();
  const duplicates: string[] = [];
  const idempotent = new Map<string, StoredIdempotentResult>();
  let down: false | '503' | 'reset' = false;
  const catalogue = new FakeStripeCatalogue({
    hasCustomer: (id) => customers.has(id),
    isActiveMeter: (id) => meters.get(id)?.status === 'active',
    nowSeconds,
  });

  // --- endpoints ------------------------------------------------------------------------------

  function createCustomer(params: FormObject): Reply {
    // Every CustomerCreateParams field of stripe v23 is accepted; the ones berth does not use
    // (address, tax, shipping, ...) are accepted and ignored rather than refused.
    rejectUnknown(params, [
      'address',
      'balance',
      'business_name',
      'cash_balance',
      'description',
      'email',
      'individual_name',
      'invoice_prefix',
      'invoice_settings',
      'metadata',
      'name',
      'next_invoice_sequence',
      'payment_method',
      'phone',
      'preferred_locales',
      'shipping',
      'source',
      'tax',
      'tax_exempt',
      'tax_id_data',
      'test_clock',
      'validate',
    ]);
    const email = optString(params, 'email') || null;
    if (email !== null && !/^[^@\s]+@[^@\s]+$/.test(email)) {
      throw invalidRequest(`Invalid email address: ${email}`, 'email_invalid', 'email');
    }
    const customer: CustomerObject = {
      id: randomId('cus_', 14),
      object: 'customer',
      address: null,
      balance: 0,
      created: nowSeconds(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: optString(params, 'description') || null,
      email,
      invoice_prefix: randomId('', 8).toUpperCase(),
      invoice_settings: {
        custom_fields: null,
        default_payment_method: null,
        footer: null,
        rendering_options: null,
      },
      livemode: false,
      metadata: parseMetadata(params),
      name: optString(params, 'name') || null,
      phone: optString(params, 'phone') || null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: 'none',
      test_clock: null,
    };
    customers.set(customer.id, customer);
    return { status: 200, body: customer };
  }

  function retrieveCustomer(id: string): Reply {
    const customer = customers.get(id);
    if (!customer) throw missing('customer', id);
    return { status: 200, body: customer };
  }

  function listCustomers(params: FormObject): Reply {
    const email = optString(params, 'email');
    // Stripe lists newest first
    const data = [...customers.values()].reverse().filter((c) => email === undefined || c.email === email);
    return list('/v1/customers', data);
  }

  function createMeter(params: FormObject): Reply {
    rejectUnknown(params, [
      'default_aggregation',
      'display_name',
      'event_name',
      'customer_mapping',
      'event_time_window',
      'value_settings',
    ]);
    const display_name = reqString(params, 'display_name');
    const event_name = reqString(params, 'event_name');
    const aggregation = optObject(params, 'default_aggregation') ?? {};
    const formula = reqString(aggregation, 'formula', 'default_aggregation[formula]');
    if (formula !== 'sum' && formula !== 'count' && formula !== 'last') {
      throw invalidRequest(
        `Invalid default_aggregation[formula]: must be one of sum, count, or last`,
        'parameter_invalid_string',
        'default_aggregation[formula]',
      );
    }
    const mapping = optObject(params, 'customer_mapping');
    let customer_mapping: MeterObject['customer_mapping'] = {
      event_payload_key: 'stripe_customer_id',
      type: 'by_id',
    };
    if (mapping) {
      const type = reqString(mapping, 'type', 'customer_mapping[type]');
      if (type !== 'by_id') {
        throw invalidRequest(
          'Invalid customer_mapping[type]: must be by_id',
          undefined,
          'customer_mapping[type]',
        );
      }
      customer_mapping = {
        event_payload_key: reqString(mapping, 'event_payload_key', 'customer_mapping[event_payload_key]'),
        type,
      };
    }
    const settings = optObject(params, 'value_settings');
    const value_settings = {
      event_payload_key: settings
        ? reqString(settings, 'event_payload_key', 'value_settings[event_payload_key]')
        : 'value',
    };
    const window = optString(params, 'event_time_window');
    if (window !== undefined && window !== 'day' && window !== 'hour') {
      throw invalidRequest('Invalid event_time_window: must be day or hour', undefined, 'event_time_window');
    }
    if ([...meters.values()].some((m) => m.event_name === event_name)) {
      throw invalidRequest(
        `A meter with event_name '${event_name}' already exists; event names must be unique.`,
        undefined,
        'event_name',
      );
    }
    const created = nowSeconds();
    const meter: MeterObject = {
      id: randomId('mtr_test_'),
      object: 'billing.meter',
      created,
      customer_mapping,
      default_aggregation: { formula },
      display_name,
      event_name,
      event_time_window: window ?? null,
      livemode: false,
      status: 'active',
      status_transitions: { deactivated_at: null },
      updated: created,
      value_settings,
    };
    meters.set(meter.id, meter);
    return { status: 200, body: meter };
  }

  function retrieveMeter(id: string): MeterObject {
    const meter = meters.get(id);
    if (!meter) throw missing('billing meter', id);
    return meter;
  }

  function listMeters(params: FormObject): Reply {
    const status = optString(params, 'status');
    const data = [...meters.values()].reverse().filter((m) => status === undefined || m.status === status);
    return list('/v1/billing/meters', data);
  }

  function createMeterEvent(params: FormObject): Reply {
    rejectUnknown(params, ['event_name', 'payload', 'identifier', 'timestamp']);
    const event_name = reqString(params, 'event_name');
    const payload = optObject(params, 'payload');
    if (!payload) throw invalidRequest('Missing required param: payload.', 'parameter_missing', 'payload');
    const identifier = optString(params, 'identifier') ?? randomId('', 32);
    if (identifier === '' || identifier.length > 100) {
      throw invalidRequest('identifier must be 1 to 100 characters long.', undefined, 'identifier');
    }
    const timestamp = optTimestamp(params, 'timestamp') ?? nowSeconds();
    // "Must be within the past 35 calendar days or up to 5 minutes in the future." Stripe's error code
    // for either is not documented: the fake answers a 400 on `timestamp` without a code, and berth
    // treats any such 400 as a lasting refusal.
    if (timestamp < nowSeconds() - EVENT_PAST_WINDOW_S) {
      throw invalidRequest(
        `timestamp ${timestamp} is too far in the past: it must be within the past 35 calendar days.`,
        undefined,
        'timestamp',
      );
    }
    if (timestamp > nowSeconds() + EVENT_FUTURE_WINDOW_S) {
      throw invalidRequest(
        `timestamp ${timestamp} is too far in the future: it may be at most 5 minutes ahead.`,
        undefined,
        'timestamp',
      );
    }

    const meter = [...meters.values()].find((m) => m.event_name === event_name && m.status === 'active');
    if (!meter) {
      throw invalidRequest(
        `No active meter was found with event_name '${event_name}'.`,
        undefined,
        'event_name',
      );
    }
    const customerKey = meter.customer_mapping.event_payload_key;
    const valueKey = meter.value_settings.event_payload_key;
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(payload)) {
      if (typeof v !== 'string')
        throw invalidRequest(`Invalid payload[${k}]: must be a string`, undefined, `payload[${k}]`);
      flat[k] = v;
    }
    const customer = flat[customerKey];
    if (customer === undefined || customer === '') {
      throw invalidRequest(
        `Missing required param: payload[${customerKey}].`,
        'parameter_missing',
        `payload[${customerKey}]`,
      );
    }
    if (!customers.has(customer)) {
      throw invalidRequest(`No such customer: '${customer}'`, 'resource_missing', `payload[${customerKey}]`);
    }
    const rawValue = flat[valueKey];
    let value: number;
    if (rawValue === undefined && meter.default_aggregation.formula === 'count') {
      value = 1; // a count meter does not need a value
    } else if (rawValue === undefined) {
      throw invalidRequest(
        `Missing required param: payload[${valueKey}].`,
        'parameter_missing',
        `payload[${valueKey}]`,
      );
    } else if (!/^\d+$/.test(rawValue) || !Number.isSafeInteger(Number(rawValue))) {
      throw invalidRequest(
        `Invalid payload[${valueKey}]: '${rawValue}' is not a non-negative integer.`,
        'parameter_invalid_integer',
        `payload[${valueKey}]`,
      );
    } else {
      value = Number(rawValue);
    }

    const seenAt = identifiers.get(identifier);
    // Stripe enforces uniqueness "within a rolling period of at least 24 hours": the fake forgets an
    // identifier after exactly 24 hours (the least Stripe promises), and then counts it again.
    if (seenAt !== undefined && clock() - seenAt < IDENTIFIER_WINDOW_MS) {
      duplicates.push(identifier);
      throw invalidRequest(
        `A meter event with identifier ${identifier} already exists.`,
        'resource_already_exists',
        'identifier',
      );
    }
    identifiers.set(identifier, clock());
    events.push({ identifier, event_name, customer, value, timestamp, acceptedAtMs: clock() });
    const body: MeterEventObject = {
      object: 'billing.meter_event',
      created: nowSeconds(),
      event_name,
      identifier,
      livemode: false,
      payload: flat,
      timestamp,
    };
    return { status: 200, body };
  }

  function eventSummaries(meterId: string, params: FormObject): Reply {
    const meter = retrieveMeter(meterId);
    if (params['value_grouping_window'] !== undefined) {
      throw invalidRequest(
        'value_grouping_window is not supported by the fake Stripe server.',
        undefined,
        'value_grouping_window',
      );
    }
    const customer = reqString(params, 'customer');
    const start_time = reqTimestamp(params, 'start_time');
    const end_time = reqTimestamp(params, 'end_time');
    // Stripe: start_time and end_time "must be aligned with minute boundaries" (its error code for a
    // misaligned one is not documented: a 400 on the parameter, without a code).
    for (const [name, value] of [
      ['start_time', start_time],
      ['end_time', end_time],
    ] as const) {
      if (value % 60 !== 0) {
        throw invalidRequest(`${name} must be aligned with minute boundaries.`, undefined, name);
      }
    }
    if (start_time >= end_time)
      throw invalidRequest('start_time must be before end_time.', undefined, 'start_time');
    // Summaries lag the events they count (Stripe: seconds to minutes; here summaryLagMs).
    const summedBy = clock() - summaryLagMs;
    const matching = events.filter(
      (e) =>
        e.acceptedAtMs <= summedBy &&
        e.event_name === meter.event_name &&
        e.customer === customer &&
        e.timestamp >= start_time &&
        e.timestamp < end_time,
    );
    let aggregated_value = 0;
    switch (meter.default_aggregation.formula) {
      case 'sum':
        aggregated_value = matching.reduce((sum, e) => sum + e.value, 0);
        break;
      case 'count':
        aggregated_value = matching.length;
        break;
      case 'last': {
        // the latest timestamp wins; among equal timestamps, the latest received
        let last: FakeStripeMeterEvent | undefined;
        for (const e of matching) if (!last || e.timestamp >= last.timestamp) last = e;
        aggregated_value = last?.value ?? 0;
        break;
      }
    }
    const summary = {
      id: randomId('mtrusm_'),
      object: 'billing.meter_event_summary',
      aggregated_value,
      end_time,
      livemode: false,
      meter: meter.id,
      start_time,
    };
    return list(`/v1/billing/meters/${meter.id}/event_summaries`, [summary]);
  }

  /** Dispatches an authenticated, parsed request to its endpoint. */
  function route(method: string, path: string, params: FormObject): Reply {
    const id = (re: RegExp): string | undefined => {
      const m = re.exec(path);
      return m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
    };
    if (method === 'POST' && path === '/v1/customers') return createCustomer(params);
    if (method === 'GET' && path === '/v1/customers') return listCustomers(params);
    const customerId = id(/^\/v1\/customers\/([^/]+)$/);
    if (method === 'GET' && customerId !== undefined) return retrieveCustomer(customerId);
    if (method === 'POST' && path === '/v1/billing/meters') return createMeter(params);
    if (method === 'GET' && path === '/v1/billing/meters') return listMeters(params);
    const meterId = id(/^\/v1\/billing\/meters\/([^/]+)$/);
    if (method === 'GET' && meterId !== undefined) return { status: 200, body: retrieveMeter(meterId) };
    const summariesOf = id(/^\/v1\/billing\/meters\/([^/]+)\/event_summaries$/);
    if (method === 'GET' && summariesOf !== undefined) return eventSummaries(summariesOf, params);
    if (method === 'POST' && path === '/v1/billing/meter_events') return createMeterEvent(params);
    const answered = catalogue.route(method, path, params);
    if (answered) return answered;
    throw failure(
      404,
      'invalid_request_error',
      `Unrecognized request URL (${method}: ${path}). This fake Stripe server implements only ` +
        'customers, billing meters, meter events and their summaries, products, prices, subscriptions ' +
        'and subscription items.',
    );
  }

  /** The bearer key of the request (or the user of HTTP Basic, as curl -u sends it). */
  function presentedKey(req: IncomingMessage): string | null {
    const auth = header(req, 'authorization');
    if (!auth) return null;
    const bearer = /^Bearer\s+(.+)$/i.exec(auth);
    if (bearer?.[1]) return bearer[1].trim();
    const basic = /^Basic\s+(.+)$/i.exec(auth);
    if (basic?.[1]) return Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] ?? null;
    return null;
  }

  function authenticate(req: IncomingMessage): void {
    const key = presentedKey(req);
    if (key === null) {
      throw failure(
        401,
        'invalid_request_error',
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      );
    }
    if (key !== secretKey) {
      const masked =
        key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : '****';
      throw failure(401, 'invalid_request_error', `Invalid API Key provided: ${masked}`);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = new Date();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://fake-stripe.invalid');
    const path = url.pathname;
    const idempotencyKey = header(req, 'idempotency-key');
    const requestId = randomId('req_', 14);

    const record = (params: Record<string, unknown>, status: number): void => {
      calls.push({ method, path, params, idempotencyKey, at, status });
    };
    const send = (reply: Reply, extra: Record<string, string> = {}): void => {
      const text = JSON.stringify(reply.body, null, 2);
      res.writeHead(reply.status, {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(text)),
        'Request-Id': requestId,
        'Stripe-Version': header(req, 'stripe-version') ?? Stripe.API_VERSION,
        ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
        ...extra,
      });
      res.end(text);
    };

    if (down === 'reset') {
      // Simulates a dropped connection: nothing is answered, the client sees ECONNRESET/EPIPE.
      let params: Record<string, unknown> = {};
      try {
        params = parseForm(url.search.slice(1));
      } catch {
        // the request is being dropped anyway
      }
      record(params, 0);
      req.socket.destroy();
      return;
    }

    const body = await readBody(req);
    let params: FormObject = {};
    let parseError: StripeFailure | undefined;
    try {
      params = parseForm(method === 'POST' ? body : url.search.slice(1));
    } catch (err) {
      if (!(err instanceof StripeFailure)) throw err;
      parseError = err;
    }
    let reply: Reply;
    let extra: Record<string, string> = {};
    try {
      if (down === '503') {
        throw failure(
          503,
          'api_error',
          'The Stripe API is temporarily unavailable (fake Stripe is set down).',
        );
      }
      authenticate(req);
      if (parseError) throw parseError;
      if (method === 'POST' && idempotencyKey) {
        const fingerprint = canonical(params);
        const stored = idempotent.get(idempotencyKey);
        if (
          stored &&
          (stored.method !== method || stored.path !== path || stored.fingerprint !== fingerprint)
        ) {
          throw failure(
            400,
            'idempotency_error',
            'Keys for idempotent requests can only be used with the same parameters they were first used with. ' +
              `Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          );
        }
        if (stored) {
          // Stripe's idempotency: the first response, unchanged
          reply = stored.reply;
          extra = { 'Idempotent-Replayed': 'true', 'Original-Request': stored.requestId };
        } else {
          reply = route(method, path, params);
          if (reply.status >= 200 && reply.status < 300) {
            idempotent.set(idempotencyKey, { method, path, fingerprint, requestId, reply });
          }
        }
      } else {
        reply = route(method, path, params);
      }
    } catch (err) {
      if (err instanceof StripeFailure) {
        reply = { status: err.status, body: { error: err.error } };
      } else {
        const message = err instanceof Error ? err.message : String(err);
        reply = {
          status: 500,
          body: { error: { type: 'api_error', message: `fake Stripe bug: ${message}` } },
        };
      }
    }
    record(params, reply.status);
    send(reply, extra);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // last resort: never leave the client hanging
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'api_error', message: String(err) } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    host,
    port,
    secretKey,
    webhookSecret,
    calls,
    customers: () =>
      [...customers.values()].map((c) => ({
        id: c.id,
        name: c.name,
        email: c.email,
        metadata: { ...c.metadata },
      })),
    meters: () =>
      [...meters.values()].map((m) => ({ id: m.id, event_name: m.event_name, display_name: m.display_name })),
    meterEvents: () =>
      events.map((e) => ({
        identifier: e.identifier,
        event_name: e.event_name,
        customer: e.customer,
        value: e.value,
        timestamp: e.timestamp,
      })),
    rejectedDuplicates: () => [...duplicates],
    products: () => [...catalogue.products.values()].map((p) => ({ ...p })),
    prices: () => [...catalogue.prices.values()].map((p) => ({ ...p })),
    subscriptions: () =>
      [...catalogue.subscriptions.values()].map((s) => ({
        id: s.id,
        customer: s.customer,
        status: s.status,
        prices: s.items.data.map((i) => i.price.id),
      })),
    setDown: (mode) => {
      down = mode;
    },
    signedEvent: (type, object, opts) => {
      const id = randomId('evt_test_');
      const event = {
        id,
        object: 'event',
        api_version: Stripe.API_VERSION,
        created: opts?.created ?? nowSeconds(),
        data: { object },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
      };
      const body = JSON.stringify(event, null, 2);
      const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: webhookSecret });
      return { body, signature, id };
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // keep-alive sockets from the stripe library's agent would otherwise hold close() open
        server.closeAllConnections();
      }),
  };
}
