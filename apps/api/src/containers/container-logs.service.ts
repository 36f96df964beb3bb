import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { LogLineView } from '@berth/contracts';
import { ContainerEntity, ContainerRepository } from '@berth/db';
import { DomainError, type TenantId } from '@berth/domain';
import { logStreamKey } from '@berth/queue';
import { API_CONFIG, type ApiConfig } from '../config.provider';
import { AgentQueuesService } from '../queue/agent-queues.service';

type StreamEntry = [id: string, fields: string[]];

const BLOCK_MS = 2000;
/** A follower whose container has stopped still waits this long for the last lines in flight. */
const SETTLE_MS = 1500;
const LIVE_STATES = new Set(['pending', 'creating', 'starting', 'running', 'stopping', 'restarting']);

function toLine(entry: StreamEntry): LogLineView | null {
  const f = entry[1];
  const get = (k: string) => {
    const i = f.indexOf(k);
    return i >= 0 && i % 2 === 0 ? f[i + 1] : undefined;
  };
  const t = Number(get('t'));
  const text = get('d');
  if (!Number.isFinite(t) || text === undefined) return null;
  return { at: new Date(t).toISOString(), stream: get('s') === 'e' ? 'stderr' : 'stdout', text };
}

export function parseSince(since: string | undefined): number | undefined {
  if (since === undefined) return undefined;
  const ms = /^\d+(\.\d+)?$/.test(since) ? Number(since) * 1000 : Date.parse(since);
  if (!Number.isFinite(ms))
    throw new DomainError('request/invalid', 'since must be RFC 3339 or unix seconds');
  return ms;
}

/**
 * Container output, read from the Redis stream the host's agent writes (the agent keeps the full log
 * on the host). With `follow`, lines are yielded as they arrive until the container stops; `null`
 * means "nothing new yet" and becomes a blank keep-alive line, so that idle timeouts do not cut it.
 */
@Injectable()
export class ContainerLogsService {
  constructor(
    private readonly ds: DataSource,
    private readonly queues: AgentQueuesService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** Checks the container exists for this tenant (404 otherwise) before any streaming starts. */
  async resolve(tenantId: TenantId, ref: string): Promise<ContainerEntity> {
    const c = await new ContainerRepository(this.ds.manager).findByRef(tenantId, ref);
    if (!c) throw new DomainError('container/not_found', `container ${ref} does not exist`);
    return c;
  }

  async *lines(
    c: ContainerEntity,
    opts: { tail?: number; sinceMs?: number; follow: boolean },
    signal: AbortSignal,
  ): AsyncGenerator<LogLineView | null> {
    // A container never changes host (its writable layer lives there); one that has none has no output.
    if (!c.hostId) return;
    const key = logStreamKey(this.config.queuePrefix, c.hostId, c.id);
    const redis = this.queues.connection;
    let entries: StreamEntry[];
    if (opts.tail !== undefined) {
      entries = (
        (await redis.xrevrange(
          key,
          '+',
          opts.sinceMs !== undefined ? String(opts.sinceMs) : '-',
          'COUNT',
          opts.tail,
        )) as StreamEntry[]
      ).reverse();
    } else {
      entries = await redis.xrange(key, opts.sinceMs !== undefined ? String(opts.sinceMs) : '-', '+');
    }
    let lastId = entries.length > 0 ? entries[entries.length - 1]![0] : '$';
    for (const e of entries) {
      const line = toLine(e);
      if (line && (opts.sinceMs === undefined || Date.parse(line.at) >= opts.sinceMs)) yield line;
    }
    if (!opts.follow) return;
    if (lastId === '$') {
      // Start after whatever is there now; '$' would skip lines written between our read and XREAD.
      const latest = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as StreamEntry[];
      lastId = latest[0]?.[0] ?? '0-0';
    }
    const reader = redis.duplicate();
    signal.addEventListener('abort', () => reader.disconnect(), { once: true });
    let settledSince: number | null = null;
    try {
      while (!signal.aborted) {
        const res: [string, StreamEntry[]][] | null = await reader
          .xread('COUNT', 500, 'BLOCK', BLOCK_MS, 'STREAMS', key, lastId)
          .catch(() => null);
        const got = res?.[0]?.[1] ?? [];
        for (const e of got) {
          lastId = e[0];
          const line = toLine(e);
          if (line) yield line;
        }
        if (got.length > 0) continue;
        const current = await this.ds.manager.findOne(ContainerEntity, { where: { id: c.id } });
        if (current && LIVE_STATES.has(current.state)) {
          settledSince = null;
          // A quiet container would let idle timeouts (clients, proxies) cut the stream: say we are here.
          yield null;
          continue;
        }
        settledSince ??= Date.now();
        if (Date.now() - settledSince >= SETTLE_MS) return;
      }
    } finally {
      reader.disconnect();
    }
  }
}
