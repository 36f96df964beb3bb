/** Stops, by pid, the services that global-setup started (and only those). */
export default async function globalTeardown(): Promise<void> {
  const started = globalThis.__berthServices ?? [];
  globalThis.__berthServices = [];
  await Promise.all(started.map((s) => s.stop()));
}
