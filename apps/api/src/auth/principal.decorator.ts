import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AgentPrincipal, Principal, RegistrantPrincipal, TenantPrincipal } from './principal';

function principalOf(ctx: ExecutionContext): Principal | undefined {
  return ctx.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>().user;
}

/** The authenticated tenant; only on routes behind TenantAuthGuard. */
export const CurrentTenant = createParamDecorator((_: unknown, ctx: ExecutionContext): TenantPrincipal => {
  const p = principalOf(ctx);
  if (p?.kind !== 'tenant') throw new Error('CurrentTenant used on a route without TenantAuthGuard');
  return p;
});

/** The authenticated host agent; only on routes behind AgentAuthGuard. */
export const CurrentAgent = createParamDecorator((_: unknown, ctx: ExecutionContext): AgentPrincipal => {
  const p = principalOf(ctx);
  if (p?.kind !== 'agent') throw new Error('CurrentAgent used on a route without AgentAuthGuard');
  return p;
});

/** A host with its own token, or an agent with a join token; only on routes behind RegistrantAuthGuard. */
export const CurrentRegistrant = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): RegistrantPrincipal => {
    const p = principalOf(ctx);
    if (p?.kind !== 'agent' && p?.kind !== 'agent-join') {
      throw new Error('CurrentRegistrant used on a route without RegistrantAuthGuard');
    }
    return p;
  },
);
