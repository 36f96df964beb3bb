// The local Stripe-compatible server's catalogue and subscriptions: Products, Prices, Subscriptions and
// their items. A TEST DOUBLE (see fake-stripe.ts for why it exists): it implements the subset berth
// uses, with Stripe's documented rules and never kinder ones.
//
//   POST /v1/products, GET /v1/products/:id                    a custom `id` is allowed, once
//   POST /v1/prices, GET /v1/prices (lookup_keys[], active), GET /v1/prices/:id
//   POST /v1/subscriptions, GET /v1/subscriptions (customer, status), GET/DELETE /v1/subscriptions/:id
//   POST /v1/subscription_items, POST/DELETE /v1/subscription_items/:id
//
// Rules kept (Stripe's API reference): a price has `unit_amount` or `unit_amount_decimal`, not both, the
// decimal with at most 12 places; a metered price names a billing meter (`recurring[meter]`, required
// for `usage_type=metered` since API 2025-03-31); a price's amounts never change (there is no endpoint
// to edit them: a new price is a new object); `lookup_key` is unique among prices, moved only with
// `transfer_lookup_key`; a subscription's items are recurring prices of one interval, each price at most
// once; a canceled subscription stays canceled. Where Stripe's error code for a refusal is not
// documented, the 400 carries no code (said at each place).
//
// Not here yet (issue 16 goes on): invoices and test clocks (a period never ends here), and payment
// collection (a subscription of metered prices owes nothing up front, so it is `active` at once, as at
// Stripe; nothing here ever makes it `past_due`).
import {
  invalidRequest,
  missing,
  optObject,
  optString,
  parseMetadata,
  randomId,
  rejectUnknown,
  reqString,
  type FormObject,
  type FormValue,
} from './fake-stripe-wire';

export interface Reply {
  status: number;
  body: unknown;
}

export interface ProductObject {
  id: string;
  object: 'product';
  active: boolean;
  created: number;
  description: string | null;
  livemode: false;
  metadata: Record<string, string>;
  name: string;
}

export interface PriceObject {
  id: string;
  object: 'price';
  active: boolean;
  billing_scheme: 'per_unit';
  created: number;
  currency: string;
  livemode: false;
  lookup_key: string | null;
  metadata: Record<string, string>;
  nickname: string | null;
  product: string;
  recurring: {
    interval: 'day' | 'week' | 'month' | 'year';
    interval_count: number;
    meter: string | null;
    usage_type: 'licensed' | 'metered';
  } | null;
  type: 'one_time' | 'recurring';
  unit_amount: number | null;
  unit_amount_decimal: string | null;
}

export interface SubscriptionItemObject {
  id: string;
  object: 'subscription_item';
  created: number;
  current_period_start: number;
  current_period_end: number;
  price: PriceObject;
  subscription: string;
}

export interface SubscriptionObject {
  id: string;
  object: 'subscription';
  canceled_at: number | null;
  created: number;
  currency: string;
  customer: string;
  items: { object: 'list'; data: SubscriptionItemObject[]; has_more: false; url: string };
  livemode: false;
  metadata: Record<string, string>;
  status: 'active' | 'canceled';
}

/** What the catalogue needs from the rest of the server. */
export interface CatalogueContext {
  hasCustomer(id: string): boolean;
  isActiveMeter(id: string): boolean;
  nowSeconds(): number;
}

const DECIMAL_AMOUNT = /^\d+(\.\d{1,12})?$/;

function list(url: string, data: unknown[]): Reply {
  return { status: 200, body: { object: 'list', data, has_more: false, url } };
}

/** The end of a monthly period that starts at `start` (seconds), by the calendar in UTC. */
function monthLater(start: number): number {
  const d = new Date(start * 1000);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return Math.floor(d.getTime() / 1000);
}

export class FakeStripeCatalogue {
  readonly products = new Map<string, ProductObject>();
  readonly prices = new Map<string, PriceObject>();
  readonly subscriptions = new Map<string, SubscriptionObject>();

  constructor(private readonly ctx: CatalogueContext) {}

  /** Answers the request when it is one of the catalogue's; undefined when it is not. */
  route(method: string, path: string, params: FormObject): Reply | undefined {
    const id = (re: RegExp): string | undefined => {
      const m = re.exec(path);
      return m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
    };
    if (method === 'POST' && path === '/v1/products') return this.createProduct(params);
    const productId = id(/^\/v1\/products\/([^/]+)$/);
    if (method === 'GET' && productId !== undefined) return { status: 200, body: this.product(productId) };
    if (method === 'POST' && path === '/v1/prices') return this.createPrice(params);
    if (method === 'GET' && path === '/v1/prices') return this.listPrices(params);
    const priceId = id(/^\/v1\/prices\/([^/]+)$/);
    if (method === 'GET' && priceId !== undefined) return { status: 200, body: this.price(priceId) };
    if (method === 'POST' && path === '/v1/subscriptions') return this.createSubscription(params);
    if (method === 'GET' && path === '/v1/subscriptions') return this.listSubscriptions(params);
    const subId = id(/^\/v1\/subscriptions\/([^/]+)$/);
    if (method === 'GET' && subId !== undefined) return { status: 200, body: this.subscription(subId) };
    if (method === 'DELETE' && subId !== undefined) return this.cancelSubscription(subId);
    if (method === 'POST' && path === '/v1/subscription_items') return this.createItem(params);
    const itemId = id(/^\/v1\/subscription_items\/([^/]+)$/);
    if (method === 'POST' && itemId !== undefined) return this.updateItem(itemId, params);
    if (method === 'DELETE' && itemId !== undefined) return this.deleteItem(itemId);
    return undefined;
  }

  // --- products ---------------------------------------------------------------------------

  private createProduct(params: FormObject): Reply {
    rejectUnknown(params, ['id', 'name', 'description', 'metadata', 'active']);
    const name = reqString(params, 'name');
    const id = optString(params, 'id') ?? randomId('prod_', 14);
    if (this.products.has(id)) {
      throw invalidRequest(`Product already exists.`, 'resource_already_exists', 'id');
    }
    const product: ProductObject = {
      id,
      object: 'product',
      active: optString(params, 'active') !== 'false',
      created: this.ctx.nowSeconds(),
      description: optString(params, 'description') ?? null,
      livemode: false,
      metadata: parseMetadata(params),
      name,
    };
    this.products.set(id, product);
    return { status: 200, body: product };
  }

  private product(id: string): ProductObject {
    const p = this.products.get(id);
    if (!p) throw missing('product', id);
    return p;
  }

  // --- prices -----------------------------------------------------------------------------

  private createPrice(params: FormObject): Reply {
    rejectUnknown(params, [
      'product',
      'currency',
      'unit_amount',
      'unit_amount_decimal',
      'recurring',
      'lookup_key',
      'transfer_lookup_key',
      'nickname',
      'metadata',
      'billing_scheme',
      'active',
    ]);
    const productId = reqString(params, 'product');
    if (!this.products.has(productId)) throw missing('product', productId, 'product');
    const currency = reqString(params, 'currency').toLowerCase();
    const amount = optString(params, 'unit_amount');
    const decimal = optString(params, 'unit_amount_decimal');
    if ((amount === undefined) === (decimal === undefined)) {
      // Stripe: "You must pass exactly one of unit_amount or unit_amount_decimal" (code undocumented).
      throw invalidRequest(
        'Pass exactly one of unit_amount and unit_amount_decimal.',
        undefined,
        'unit_amount',
      );
    }
    if (amount !== undefined && !/^\d+$/.test(amount)) {
      throw invalidRequest(`Invalid integer: ${amount}`, 'parameter_invalid_integer', 'unit_amount');
    }
    if (decimal !== undefined && !DECIMAL_AMOUNT.test(decimal)) {
      // At most 12 decimal places (Stripe's API reference for unit_amount_decimal); code undocumented.
      throw invalidRequest(
        `Invalid decimal: ${decimal} (at most 12 decimal places)`,
        undefined,
        'unit_amount_decimal',
      );
    }
    const billingScheme = optString(params, 'billing_scheme') ?? 'per_unit';
    if (billingScheme !== 'per_unit') {
      throw invalidRequest(
        'The fake Stripe server supports billing_scheme=per_unit only.',
        undefined,
        'billing_scheme',
      );
    }
    const recurring = this.recurringOf(optObject(params, 'recurring'));
    const lookupKey = optString(params, 'lookup_key') ?? null;
    if (lookupKey !== null) {
      const holder = [...this.prices.values()].find((p) => p.lookup_key === lookupKey);
      if (holder && optString(params, 'transfer_lookup_key') !== 'true') {
        // Stripe refuses a lookup key another price has unless transfer_lookup_key is set (code undocumented).
        throw invalidRequest(`A price (${holder.id}) already uses that lookup key.`, undefined, 'lookup_key');
      }
      if (holder) holder.lookup_key = null;
    }
    const price: PriceObject = {
      id: randomId('price_'),
      object: 'price',
      active: optString(params, 'active') !== 'false',
      billing_scheme: 'per_unit',
      created: this.ctx.nowSeconds(),
      currency,
      livemode: false,
      lookup_key: lookupKey,
      metadata: parseMetadata(params),
      nickname: optString(params, 'nickname') ?? null,
      product: productId,
      recurring,
      type: recurring ? 'recurring' : 'one_time',
      unit_amount: amount !== undefined ? Number(amount) : null,
      unit_amount_decimal: decimal ?? amount ?? null,
    };
    this.prices.set(price.id, price);
    return { status: 200, body: price };
  }

  private recurringOf(r: FormObject | undefined): PriceObject['recurring'] {
    if (!r) return null;
    const interval = reqString(r, 'interval', 'recurring[interval]');
    if (!['day', 'week', 'month', 'year'].includes(interval)) {
      throw invalidRequest('Invalid recurring[interval]', 'parameter_invalid_string', 'recurring[interval]');
    }
    const usageType = optString(r, 'usage_type', 'recurring[usage_type]') ?? 'licensed';
    if (usageType !== 'licensed' && usageType !== 'metered') {
      throw invalidRequest(
        'Invalid recurring[usage_type]',
        'parameter_invalid_string',
        'recurring[usage_type]',
      );
    }
    const meter = optString(r, 'meter', 'recurring[meter]') ?? null;
    if (usageType === 'metered' && meter === null) {
      throw invalidRequest(
        'Metered prices must be backed by a billing meter: pass recurring[meter].',
        'parameter_missing',
        'recurring[meter]',
      );
    }
    if (meter !== null && usageType !== 'metered') {
      throw invalidRequest('recurring[meter] is for metered prices only.', undefined, 'recurring[meter]');
    }
    if (meter !== null && !this.ctx.isActiveMeter(meter))
      throw missing('billing meter', meter, 'recurring[meter]');
    const count = optString(r, 'interval_count', 'recurring[interval_count]') ?? '1';
    if (!/^[1-9]\d*$/.test(count)) {
      throw invalidRequest(
        'Invalid recurring[interval_count]',
        'parameter_invalid_integer',
        'recurring[interval_count]',
      );
    }
    return {
      interval: interval as 'day' | 'week' | 'month' | 'year',
      interval_count: Number(count),
      meter,
      usage_type: usageType,
    };
  }

  private listPrices(params: FormObject): Reply {
    const keys = params['lookup_keys'];
    const wanted = keys === undefined ? null : asStrings(keys, 'lookup_keys');
    const active = optString(params, 'active');
    const data = [...this.prices.values()]
      .reverse()
      .filter((p) => wanted === null || (p.lookup_key !== null && wanted.includes(p.lookup_key)))
      .filter((p) => active === undefined || String(p.active) === active);
    return list('/v1/prices', data);
  }

  private price(id: string): PriceObject {
    const p = this.prices.get(id);
    if (!p) throw missing('price', id);
    return p;
  }

  // --- subscriptions ----------------------------------------------------------------------

  private createSubscription(params: FormObject): Reply {
    rejectUnknown(params, ['customer', 'items', 'metadata', 'collection_method', 'days_until_due']);
    const customer = reqString(params, 'customer');
    if (!this.ctx.hasCustomer(customer)) throw missing('customer', customer, 'customer');
    const items = params['items'];
    if (!Array.isArray(items) || items.length === 0) {
      throw invalidRequest('Missing required param: items.', 'parameter_missing', 'items');
    }
    const prices = items.map((item, i) => {
      if (typeof item !== 'object' || Array.isArray(item)) {
        throw invalidRequest(`Invalid items[${i}]`, 'parameter_invalid_object', `items[${i}]`);
      }
      return this.recurringPrice(reqString(item, 'price', `items[${i}][price]`), `items[${i}][price]`);
    });
    this.checkItems(prices);
    const id = randomId('sub_');
    const now = this.ctx.nowSeconds();
    const sub: SubscriptionObject = {
      id,
      object: 'subscription',
      canceled_at: null,
      created: now,
      currency: prices[0]!.currency,
      customer,
      items: { object: 'list', data: [], has_more: false, url: `/v1/subscription_items?subscription=${id}` },
      livemode: false,
      metadata: parseMetadata(params),
      status: 'active',
    };
    for (const price of prices) sub.items.data.push(this.newItem(sub, price));
    this.subscriptions.set(id, sub);
    return { status: 200, body: sub };
  }

  private listSubscriptions(params: FormObject): Reply {
    const customer = optString(params, 'customer');
    // Stripe lists non-canceled subscriptions unless status says otherwise.
    const status = optString(params, 'status');
    const data = [...this.subscriptions.values()]
      .reverse()
      .filter((s) => customer === undefined || s.customer === customer)
      .filter((s) =>
        status === undefined ? s.status !== 'canceled' : status === 'all' || s.status === status,
      );
    return list('/v1/subscriptions', data);
  }

  private subscription(id: string): SubscriptionObject {
    const s = this.subscriptions.get(id);
    if (!s) throw missing('subscription', id);
    return s;
  }

  private cancelSubscription(id: string): Reply {
    const s = this.subscription(id);
    if (s.status === 'canceled') {
      // Stripe: a canceled subscription cannot be canceled again (code undocumented).
      throw invalidRequest(`This subscription is already canceled: ${id}`, undefined, 'subscription');
    }
    s.status = 'canceled';
    s.canceled_at = this.ctx.nowSeconds();
    return { status: 200, body: s };
  }

  private createItem(params: FormObject): Reply {
    rejectUnknown(params, ['subscription', 'price', 'metadata']);
    const sub = this.liveSubscription(reqString(params, 'subscription'));
    const price = this.recurringPrice(reqString(params, 'price'), 'price');
    this.checkItems([...sub.items.data.map((i) => i.price), price]);
    const item = this.newItem(sub, price);
    sub.items.data.push(item);
    return { status: 200, body: item };
  }

  private updateItem(id: string, params: FormObject): Reply {
    rejectUnknown(params, ['price', 'metadata']);
    const { sub, item } = this.item(id);
    const priceId = optString(params, 'price');
    if (priceId !== undefined) {
      const price = this.recurringPrice(priceId, 'price');
      this.checkItems([...sub.items.data.filter((i) => i.id !== id).map((i) => i.price), price]);
      item.price = price;
    }
    return { status: 200, body: item };
  }

  private deleteItem(id: string): Reply {
    const { sub } = this.item(id);
    if (sub.items.data.length === 1) {
      // Stripe: a subscription keeps at least one item (cancel it instead); code undocumented.
      throw invalidRequest('A subscription must have at least one item.', undefined, 'id');
    }
    sub.items.data = sub.items.data.filter((i) => i.id !== id);
    return { status: 200, body: { id, object: 'subscription_item', deleted: true } };
  }

  private item(id: string): { sub: SubscriptionObject; item: SubscriptionItemObject } {
    for (const sub of this.subscriptions.values()) {
      const item = sub.items.data.find((i) => i.id === id);
      if (item) {
        if (sub.status === 'canceled') throw invalidRequest(`The subscription ${sub.id} is canceled.`);
        return { sub, item };
      }
    }
    throw missing('subscription_item', id);
  }

  private liveSubscription(id: string): SubscriptionObject {
    const sub = this.subscription(id);
    if (sub.status === 'canceled')
      throw invalidRequest(`The subscription ${id} is canceled.`, undefined, 'subscription');
    return sub;
  }

  private recurringPrice(id: string, param: string): PriceObject {
    const price = this.prices.get(id);
    if (!price) throw missing('price', id, param);
    if (!price.recurring) {
      throw invalidRequest(
        `The price ${id} is not recurring: subscriptions take recurring prices.`,
        undefined,
        param,
      );
    }
    if (!price.active) throw invalidRequest(`The price ${id} is not active.`, undefined, param);
    return price;
  }

  /** One interval and one currency across a subscription's items, each price at most once. */
  private checkItems(prices: readonly PriceObject[]): void {
    const ids = new Set<string>();
    for (const p of prices) {
      if (ids.has(p.id)) {
        throw invalidRequest(`The price ${p.id} is already in this subscription.`, undefined, 'price');
      }
      ids.add(p.id);
    }
    const first = prices[0];
    for (const p of prices) {
      if (p.currency !== first?.currency || p.recurring?.interval !== first.recurring?.interval) {
        throw invalidRequest(
          "A subscription's prices must share one currency and one interval.",
          undefined,
          'items',
        );
      }
    }
  }

  private newItem(sub: SubscriptionObject, price: PriceObject): SubscriptionItemObject {
    const start = sub.created;
    return {
      id: randomId('si_', 14),
      object: 'subscription_item',
      created: this.ctx.nowSeconds(),
      current_period_start: start,
      current_period_end: monthLater(start),
      price,
      subscription: sub.id,
    };
  }
}

/** `a[0]=x&a[1]=y` (parsed into an array) or a lone value, as strings. */
function asStrings(v: FormValue, label: string): string[] {
  const all = Array.isArray(v) ? v : [v];
  return all.map((x) => {
    if (typeof x !== 'string') throw invalidRequest(`Invalid ${label}`, 'parameter_invalid_string', label);
    return x;
  });
}
