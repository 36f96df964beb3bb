import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpBalancer {
  /** http://127.0.0.1:<port>: what clients (an agent's BERTH_API_URL) are pointed at. */
  readonly url: string;
  /** How many connections each backend (by index in `backends`) was given so far. */
  connectionsPerBackend(): number[];
  stop(): Promise<void>;
}

/**
 * The "any load balancer" of a multi-API test: a plain TCP round robin over `backends`
 * (`host:port`), nothing HTTP-aware, as the dumbest balancer in front of berth would be. A backend that
 * refuses the connection (its process is gone) is skipped for the next one, so that a client's new
 * connection lands on a live API; connections already open to a dead backend end with it, and the
 * client reconnects.
 */
export async function startTcpBalancer(backends: readonly string[]): Promise<TcpBalancer> {
  const counts = backends.map(() => 0);
  const open = new Set<Socket>();
  let next = 0;

  const track = (s: Socket): void => {
    open.add(s);
    s.once('close', () => open.delete(s));
  };

  /** Connects `client` to the first backend, from the next in turn, that accepts; ends it if none does. */
  const route = (client: Socket, tried: number): void => {
    if (tried >= backends.length) {
      client.destroy();
      return;
    }
    const index = next;
    next = (next + 1) % backends.length;
    const [host, port] = (backends[index] ?? '').split(':');
    const upstream = connect({ host, port: Number(port) });
    track(upstream);
    const refused = (): void => route(client, tried + 1);
    upstream.once('error', refused);
    upstream.once('connect', () => {
      upstream.off('error', refused);
      counts[index] = (counts[index] ?? 0) + 1;
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      // Either side gone (an API killed, a client done): the other goes too.
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
    });
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    client.on('error', () => undefined);
    route(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('balancer has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    connectionsPerBackend: () => [...counts],
    stop: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
