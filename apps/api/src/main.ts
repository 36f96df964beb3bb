import { loadApiConfig } from '@berth/config';
import { buildApp } from './app.factory';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const { app } = await buildApp(config);
  await app.listen({ host: config.http.host, port: config.http.port });
  app.getHttpAdapter().getInstance().log.info({ url: config.http.publicUrl }, 'berth api listening');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
