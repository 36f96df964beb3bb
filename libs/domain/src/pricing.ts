// Prices and rating: what a usage interval costs. Pure, and integer-only: money is a whole number of
// nano-dollars (1e-9 USD), small enough for Hyper.sh's per-second prices to be exact (S1 was
// $0.0000004 a second = 400 nano-dollars), never a float.
import { SIZE_NAMES, type SizeName } from './sizes';

export const CURRENCY = 'usd';
/** The minor unit of every amount berth stores or returns. */
export const NANO_USD_PER_USD = 1_000_000_000;

/** Per second, by size; modelled on Hyper.sh's S1…L3 (each size about twice the one before). */
export const CONTAINER_PRICE_PER_SECOND: Readonly<Record<SizeName, number>> = Object.freeze({
  s1: 400,
  s2: 800,
  s3: 1_500,
  s4: 3_000,
  m1: 6_000,
  m2: 12_000,
  m3: 24_000,
  l1: 48_000,
  l2: 96_000,
  l3: 192_000,
});

/** Storage is priced per GB-month and pro-rated per second over a 30-day month. */
export const SECONDS_PER_MONTH = 30 * 24 * 3600;
export const VOLUME_PRICE_PER_GB_MONTH = 100_000_000; // $0.10
export const SNAPSHOT_PRICE_PER_GB_MONTH = 50_000_000; // $0.05
/** A floating IP, per second while allocated (about $1.04 a month). */
export const FIP_PRICE_PER_SECOND = 400;

/** Every start of a container bills at least this many seconds (as Hyper.sh did). */
export const MIN_SECONDS_PER_START = 10;

export const CONTAINER_METERS = SIZE_NAMES.map((s) => `container.${s}` as const);
export type ContainerMeter = `container.${SizeName}`;
export const USAGE_METERS = [...CONTAINER_METERS, 'volume.gib', 'snapshot.gib', 'fip'] as const;
export type UsageMeter = ContainerMeter | 'volume.gib' | 'snapshot.gib' | 'fip';

export const USAGE_RESOURCE_TYPES = ['container', 'volume', 'snapshot', 'floating_ip'] as const;
export type UsageResourceType = (typeof USAGE_RESOURCE_TYPES)[number];

export function isUsageMeter(v: unknown): v is UsageMeter {
  return typeof v === 'string' && (USAGE_METERS as readonly string[]).includes(v);
}

export function containerMeter(size: SizeName): ContainerMeter {
  return `container.${size}`;
}

/** The size a container meter bills, or null for other meters. */
export function sizeOfMeter(meter: UsageMeter): SizeName | null {
  if (!meter.startsWith('container.')) return null;
  const size = meter.slice('container.'.length);
  return (SIZE_NAMES as readonly string[]).includes(size) ? (size as SizeName) : null;
}

/** Whether the meter counts GB-seconds (storage) or seconds (containers, floating IPs). */
export function meterUnit(meter: UsageMeter): 'second' | 'gb-second' {
  return meter === 'volume.gib' || meter === 'snapshot.gib' ? 'gb-second' : 'second';
}

/**
 * The amount for `quantity` units of `meter` (seconds, or GB-seconds), in nano-dollars. Storage is
 * pro-rated from its monthly price with one rounding (half up) per amount, in exact integer
 * arithmetic, so summing first and rating once is the same as the price list says.
 */
export function amountFor(meter: UsageMeter, quantity: number): number {
  if (!Number.isInteger(quantity) || quantity < 0)
    throw new RangeError(`quantity ${quantity} is not a whole count`);
  switch (meter) {
    case 'volume.gib':
      return prorate(quantity, VOLUME_PRICE_PER_GB_MONTH);
    case 'snapshot.gib':
      return prorate(quantity, SNAPSHOT_PRICE_PER_GB_MONTH);
    case 'fip':
      return quantity * FIP_PRICE_PER_SECOND;
    default: {
      const size = sizeOfMeter(meter);
      if (size === null) throw new RangeError(`unknown meter ${String(meter)}`);
      return quantity * CONTAINER_PRICE_PER_SECOND[size];
    }
  }
}

function prorate(gbSeconds: number, perGbMonth: number): number {
  const month = BigInt(SECONDS_PER_MONTH);
  return Number((BigInt(gbSeconds) * BigInt(perGbMonth) + month / 2n) / month);
}

/** What a meter costs per second for `quantity` (GB for storage), rounded to nano-dollars: for live meters. */
export function ratePerSecond(meter: UsageMeter, quantity: number): number {
  return meterUnit(meter) === 'gb-second' ? amountFor(meter, quantity) : amountFor(meter, 1) * quantity;
}

/** "$0.000012345": nano-dollars as dollars, exactly (nine decimals), for people and CLIs. */
export function formatUsd(nanoUsd: number): string {
  const sign = nanoUsd < 0 ? '-' : '';
  const abs = BigInt(Math.abs(Math.trunc(nanoUsd)));
  const whole = abs / BigInt(NANO_USD_PER_USD);
  const frac = (abs % BigInt(NANO_USD_PER_USD)).toString().padStart(9, '0');
  return `${sign}${whole.toString()}.${frac}`;
}

/** Stripe's unit_amount_decimal takes at most this many decimal places (of the currency's cents). */
export const STRIPE_UNIT_AMOUNT_DECIMALS = 12;

/**
 * A meter's price per unit (second, or GB-second) in US cents as Stripe's `unit_amount_decimal`
 * takes it: at most 12 decimal places, rounded half up. `exact` says whether that is berth's price to
 * the nano-dollar: it is for containers and floating IPs (whole nano-dollars a second); storage is
 * priced per GB-month and pro-rated per second (1/2,592,000 of it), which no 12-place decimal holds,
 * so Stripe's unit price there is off by less than 5e-13 cents a GB-second.
 */
export function stripeUnitAmountDecimal(meter: UsageMeter): {
  readonly decimal: string;
  readonly exact: boolean;
} {
  // nano-dollars per unit as num / den; a cent is 1e7 nano-dollars.
  let num: bigint;
  let den = 1n;
  switch (meter) {
    case 'volume.gib':
      num = BigInt(VOLUME_PRICE_PER_GB_MONTH);
      den = BigInt(SECONDS_PER_MONTH);
      break;
    case 'snapshot.gib':
      num = BigInt(SNAPSHOT_PRICE_PER_GB_MONTH);
      den = BigInt(SECONDS_PER_MONTH);
      break;
    default:
      num = BigInt(amountFor(meter, 1));
  }
  den *= 10_000_000n;
  const scale = 10n ** BigInt(STRIPE_UNIT_AMOUNT_DECIMALS);
  const scaled = num * scale;
  const exact = scaled % den === 0n;
  const units = (scaled + den / 2n) / den; // half up
  const whole = units / scale;
  const frac = (units % scale).toString().padStart(STRIPE_UNIT_AMOUNT_DECIMALS, '0').replace(/0+$/, '');
  return { decimal: frac === '' ? whole.toString() : `${whole.toString()}.${frac}`, exact };
}
