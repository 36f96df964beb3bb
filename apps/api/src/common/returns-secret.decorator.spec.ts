import { Reflector } from '@nestjs/core';
import { ApiKeysController } from '../api-keys/api-keys.controller';
import { AgentController } from '../control/agent.controller';
import { HostsController } from '../hosts/hosts.controller';
import { JoinTokensController } from '../hosts/join-tokens.controller';
import { TenantsController } from '../tenants/tenants.controller';
import { RETURNS_SECRET } from './returns-secret.decorator';

/** The handlers that answer with a credential are the ones marked, and only those. */
describe('@ReturnsSecret()', () => {
  const reflector = new Reflector();
  const marked = (handler: unknown): boolean =>
    reflector.get<boolean | undefined>(RETURNS_SECRET, handler as () => unknown) === true;

  it('marks the handlers whose answer holds an API key, a host token, a join token or a registry login', () => {
    expect(marked(TenantsController.prototype.create)).toBe(true);
    expect(marked(ApiKeysController.prototype.create)).toBe(true);
    expect(marked(AgentController.prototype.register)).toBe(true);
    expect(marked(AgentController.prototype.claim)).toBe(true);
    expect(marked(JoinTokensController.prototype.create)).toBe(true);
    expect(marked(HostsController.prototype.readmit)).toBe(true);
  });

  it('leaves the others alone, so their answers stay readable for replays', () => {
    expect(marked(ApiKeysController.prototype.revoke)).toBe(false);
    expect(marked(TenantsController.prototype.suspend)).toBe(false);
    expect(marked(AgentController.prototype.heartbeat)).toBe(false);
    expect(marked(AgentController.prototype.result)).toBe(false);
    expect(marked(JoinTokensController.prototype.list)).toBe(false);
  });
});
