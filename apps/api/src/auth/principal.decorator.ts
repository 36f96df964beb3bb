import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AgentPrincipal, Principal, TenantPrincipal } from './principal';

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
