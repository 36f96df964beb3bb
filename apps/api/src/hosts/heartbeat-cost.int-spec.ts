import { DataSource } from 'typeorm';
import type { HeartbeatResponse } from '@berth/contracts';
import { InProcessApi, type TestHost } from '../testing/in-process-api';
import { statementsSent } from '../testing/statements-sent';

jest.setTimeout(60_000);

describe('a heartbeat, statement by statement (in-process api)', () => {
  let api: InProcessApi;
  let host: TestHost;

  beforeAll(async () => {
    api = await InProcessApi.start();
    host = await api.registerHost();
  });

  afterAll(async () => {
    await api?.close();
  });

  async function beat(): Promise<string[]> {
    const { sent } = await statementsSent(api.service(DataSource), async () => {
      const res = await host.agent.post<HeartbeatResponse>('/v1/agent/heartbeat', {
        at: new Date().toISOString(),
        machines: 0,
      });
      expect(res.status).toBe(200);
    });
    return sent;
  }

  it('costs the host lookup and one UPDATE ... RETURNING', async () => {
    await beat();
    const sent = await beat();
    console.log(JSON.stringify(sent, null, 1));
  });
});
