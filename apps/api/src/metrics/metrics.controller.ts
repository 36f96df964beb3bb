import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { registry } from './metrics.registry';

/** Prometheus scrape endpoint. Carries no tenant data, only counts. */
@ApiExcludeController()
@Controller()
export class MetricsController {
  @Get('metrics')
  @Header('content-type', registry.contentType)
  metrics(): Promise<string> {
    return registry.metrics();
  }
}
