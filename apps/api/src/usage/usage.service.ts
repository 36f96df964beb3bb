import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantRepository, UsageIntervalRepository } from '@berth/db';
import type {
  InvoiceListView,
  InvoiceView,
  LiveUsageItemView,
  LiveUsageView,
  UsageLineView,
  UsageReportView,
} from '@berth/contracts';
import {
  amountFor,
  CONTAINER_PRICE_PER_SECOND,
  DomainError,
  FIP_PRICE_PER_SECOND,
  formatUsd,
  intervalUnits,
  monthOf,
  meterUnit,
  rateUsage,
  ratePerSecond,
  SNAPSHOT_PRICE_PER_GB_MONTH,
  sizeOfMeter,
  VOLUME_PRICE_PER_GB_MONTH,
  type TenantId,
  type UsageGrouping,
  type UsageIntervalRecord,
  type UsageSplit,
  type UsageMeter,
  type UsageWindow,
} from '@berth/domain';

const MAX_WINDOW_DAYS = 366;
const INVOICE_MONTHS = 12;
const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function parsePeriod(period: string): UsageWindow {
  const m = PERIOD.exec(period);
  if (!m)
    throw new DomainError('request/invalid', `period "${period.slice(0, 20)}" must be a month, YYYY-MM`);
  return monthOf(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)));
}

function periodId(window: UsageWindow): string {
  return window.from.toISOString().slice(0, 7);
}

/**
 * What a tenant has used and what it costs: reports over any window, what accrues now, and the
 * invoices of calendar months. Everything is rated from the usage intervals in Postgres by the pure
 * functions of libs/domain, so the API, the billing worker and Stripe agree to the nano-dollar.
 */
@Injectable()
export class UsageService {
  constructor(private readonly ds: DataSource) {}

  async report(
    tenantId: TenantId,
    q: { period?: string; from?: string; to?: string; groupBy?: UsageGrouping; splitBy?: UsageSplit },
    now = new Date(),
  ): Promise<UsageReportView> {
    const window = this.windowOf(q, now);
    const groupBy = q.groupBy ?? 'type';
    const split = q.splitBy ?? null;
    if (split !== null && groupBy !== 'day' && groupBy !== 'hour') {
      throw new DomainError('request/invalid', 'splitBy goes with groupBy=day or groupBy=hour');
    }
    if (groupBy === 'hour' && window.to.getTime() - window.from.getTime() > 31 * 86_400_000) {
      throw new DomainError(
        'request/invalid',
        'groupBy=hour covers at most 31 days; use groupBy=day for longer',
      );
    }
    const intervals = await this.intervals(tenantId, window);
    const { lines, total } = rateUsage(intervals, window, groupBy, now, split);
    const labels =
      groupBy === 'container' ? await this.names(lines.map((l) => l.key)) : new Map<string, string>();
    const typeOf = new Map(intervals.map((i) => [i.resourceId, i.resourceType]));
    const views: UsageLineView[] = lines.map((l) => ({
      key: l.key,
      label: labels.get(l.key) ?? l.key,
      resourceType: groupBy === 'container' ? (typeOf.get(l.key) ?? null) : null,
      series: l.series,
      seconds: l.seconds,
      gbSeconds: l.gbSeconds,
      amountNanoUsd: l.amount,
      amountUsd: formatUsd(l.amount),
    }));
    return {
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      groupBy,
      splitBy: split,
      currency: 'usd',
      lines: views,
      total: {
        seconds: views.reduce((n, l) => n + l.seconds, 0),
        gbSeconds: views.reduce((n, l) => n + l.gbSeconds, 0),
        amountNanoUsd: total,
        amountUsd: formatUsd(total),
      },
    };
  }

  async live(tenantId: TenantId, now = new Date()): Promise<LiveUsageView> {
    const month = monthOf(now);
    const intervals = await this.intervals(tenantId, month);
    const { total } = rateUsage(intervals, month, 'meter', now);
    const open = intervals.filter((i) => i.endedAt === null);
    const names = await this.names(open.map((i) => i.resourceId));
    const items: LiveUsageItemView[] = open.map((i) => {
      const rate = ratePerSecond(i.meter, i.quantity);
      return {
        resourceType: i.resourceType,
        resourceId: i.resourceId,
        name: names.get(i.resourceId) ?? i.resourceId,
        meter: i.meter,
        size: sizeOfMeter(i.meter),
        quantity: i.quantity,
        since: i.startedAt.toISOString(),
        ratePerSecondNanoUsd: rate,
        accruedNanoUsd: amountFor(i.meter, intervalUnits(i, { from: i.startedAt, to: now }, now)),
      };
    });
    const rate = items.reduce((n, i) => n + i.ratePerSecondNanoUsd, 0);
    return {
      at: now.toISOString(),
      periodStart: month.from.toISOString(),
      currency: 'usd',
      accruedNanoUsd: total,
      accruedUsd: formatUsd(total),
      ratePerSecondNanoUsd: rate,
      ratePerSecondUsd: formatUsd(rate),
      items,
    };
  }

  /** The current month (draft) and past months with usage, newest first, at most a year back. */
  async invoices(tenantId: TenantId, now = new Date()): Promise<InvoiceListView> {
    const first = (await new UsageIntervalRepository(this.ds.manager).firstStartOf(tenantId)) ?? now;
    const months: UsageWindow[] = [];
    for (let month = monthOf(now); months.length < INVOICE_MONTHS && month.to > first;) {
      months.push(month);
      month = monthOf(new Date(month.from.getTime() - 1));
    }
    // One read for the whole span: rating a month counts only what falls inside it.
    const oldest = months[months.length - 1] ?? monthOf(now);
    const intervals = await this.intervals(tenantId, { from: oldest.from, to: monthOf(now).to });
    const data = months.map((m) => this.invoiceFor(m, now, intervals));
    const billingStatus = await new TenantRepository(this.ds.manager).billingStatusOf(tenantId);
    return { data, nextCursor: null, billingStatus: billingStatus ?? 'active' };
  }

  async invoice(tenantId: TenantId, id: string, now = new Date()): Promise<InvoiceView> {
    if (!PERIOD.exec(id)) throw invoiceNotFound(id);
    const window = parsePeriod(id);
    if (window.from > now) throw invoiceNotFound(id);
    return this.invoiceFor(window, now, await this.intervals(tenantId, window));
  }

  private invoiceFor(window: UsageWindow, now: Date, intervals: readonly UsageIntervalRecord[]): InvoiceView {
    const { lines, total } = rateUsage(intervals, window, 'meter', now);
    return {
      id: periodId(window),
      periodStart: window.from.toISOString(),
      periodEnd: window.to.toISOString(),
      status: now < window.to ? 'draft' : 'closed',
      currency: 'usd',
      lines: lines.map((l) => {
        const meter = l.key as UsageMeter;
        const unit = meterUnit(meter);
        return {
          meter,
          description: describeMeter(meter),
          unit,
          quantity: unit === 'gb-second' ? l.gbSeconds : l.seconds,
          unitPriceNanoUsd: unitPrice(meter),
          amountNanoUsd: l.amount,
          amountUsd: formatUsd(l.amount),
        };
      }),
      totalNanoUsd: total,
      totalUsd: formatUsd(total),
    };
  }

  private windowOf(q: { period?: string; from?: string; to?: string }, now: Date): UsageWindow {
    if (q.period !== undefined) {
      if (q.from !== undefined || q.to !== undefined) {
        throw new DomainError('request/invalid', 'give either period or from/to, not both');
      }
      return parsePeriod(q.period);
    }
    const from = q.from !== undefined ? parseDate(q.from, 'from') : monthOf(now).from;
    const to = q.to !== undefined ? parseDate(q.to, 'to') : now;
    if (to <= from) throw new DomainError('request/invalid', '"to" must be after "from"');
    if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * 86_400_000) {
      throw new DomainError('request/invalid', `a usage window can span at most ${MAX_WINDOW_DAYS} days`);
    }
    return { from, to };
  }

  private intervals(tenantId: TenantId, window: UsageWindow): Promise<UsageIntervalRecord[]> {
    return new UsageIntervalRepository(this.ds.manager).ofTenantIn(tenantId, window);
  }

  /** Names of containers, volumes, snapshots and floating IPs (address, or name) by id. */
  private names(ids: readonly string[]): Promise<Map<string, string>> {
    return new UsageIntervalRepository(this.ds.manager).resourceNames(ids);
  }
}

function parseDate(raw: string, field: string): Date {
  const d = new Date(raw);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(raw)) {
    throw new DomainError(
      'request/invalid',
      `${field} must be a date or time such as 2026-11-01 or 2026-11-01T12:00:00Z`,
    );
  }
  return d;
}

function describeMeter(meter: UsageMeter): string {
  const size = sizeOfMeter(meter);
  if (size) return `Containers, size ${size.toUpperCase()}`;
  if (meter === 'volume.gib') return 'Volumes';
  if (meter === 'snapshot.gib') return 'Snapshots';
  return 'Floating IPs';
}

function unitPrice(meter: UsageMeter): number {
  const size = sizeOfMeter(meter);
  if (size) return CONTAINER_PRICE_PER_SECOND[size];
  if (meter === 'volume.gib') return VOLUME_PRICE_PER_GB_MONTH;
  if (meter === 'snapshot.gib') return SNAPSHOT_PRICE_PER_GB_MONTH;
  return FIP_PRICE_PER_SECOND;
}

function invoiceNotFound(id: string): DomainError {
  return new DomainError(
    'invoice/not_found',
    `invoice ${id.slice(0, 20)} does not exist; invoices are named by month, YYYY-MM`,
  );
}
