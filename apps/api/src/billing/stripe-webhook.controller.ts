import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { StripeWebhookService } from './stripe-webhook.service';

/** Stripe calls this; it authenticates by signature, not by bearer token. Not part of the tenant API. */
@ApiExcludeController()
@Controller('v1/webhooks')
export class StripeWebhookController {
  constructor(private readonly webhooks: StripeWebhookService) {}

  @Post('stripe')
  @HttpCode(200)
  receive(
    @Req() req: FastifyRequest,
    @Headers('stripe-signature') signature?: string,
  ): Promise<{ received: true }> {
    return this.webhooks.handle((req as { rawBody?: string }).rawBody, signature);
  }
}
