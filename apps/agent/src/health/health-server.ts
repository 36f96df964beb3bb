import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The agent's only HTTP surface: `GET /healthz`, for supervisors and tests. */
export async function startHealthServer(
  port: number,
  status: () => Record<string, unknown>,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'ok', ...status() }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: { code: 'route/not_found', message: 'the agent serves only GET /healthz' },
        }),
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
