import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One request that went through the proxy, in the order it arrived. */
export interface RecordedRequest {
  readonly method: string;
  /** The path and query, as the client sent them. */
  readonly path: string;
  /** The upstream's answer status (0 when the upstream could not be reached). */
  readonly status: number;
}

export interface RecordingProxy {
  /** http://127.0.0.1:<port>: point a client (an agent's BERTH_API_URL) here instead of upstream. */
  readonly url: string;
  /** Every request since the start or the last clear(), answered or not yet. */
  requests(): RecordedRequest[];
  /** Forgets what was recorded (to count from a point in a test). */
  clear(): void;
  stop(): Promise<void>;
}

/** Headers a proxy must not copy from one hop to the next (RFC 9110 7.6.1), and what fetch sets itself. */
const HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/**
 * A small HTTP proxy in front of a real server that records every request it forwards: a test counts
 * what a client really sends (the agent's calls per launch) without stubbing either side. Bodies are
 * forwarded whole, in both directions; nothing is changed.
 */
export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  let recorded: { method: string; path: string; status: number }[] = [];

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const entry = { method: req.method ?? 'GET', path: req.url ?? '/', status: 0 };
    recorded.push(entry);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_HEADERS.has(name)) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const body = Buffer.concat(chunks);
    try {
      const answer = await fetch(`${upstream}${entry.path}`, {
        method: entry.method,
        headers,
        ...(body.length > 0 ? { body } : {}),
      });
      entry.status = answer.status;
      const out = Buffer.from(await answer.arrayBuffer());
      const outHeaders: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        // fetch has already decoded the body: its encoding and length headers no longer apply.
        if (!HOP_HEADERS.has(name) && name !== 'content-encoding') outHeaders[name] = value;
      });
      res.writeHead(answer.status, { ...outHeaders, 'content-length': String(out.length) });
      res.end(out);
    } catch (err) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`recording proxy: upstream ${upstream} failed: ${String(err)}`);
    }
  }

  const server: Server = createServer((req, res) => {
    void forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => recorded.map((r) => ({ ...r })),
    clear: () => {
      recorded = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
