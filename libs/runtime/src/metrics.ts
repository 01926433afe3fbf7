import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Public } from './public.decorator';

/**
 * This process's Prometheus registry: Node's own figures plus whatever services register
 * (event readers' lag, …). Served as text at `GET /metrics` by every app.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
  }
}

@ApiExcludeController()
@Public()
@Controller()
export class MetricsController {
  constructor(private readonly registry: Metrics) {}

  /** Prometheus text format. Aggregates only: no tenant ids, no personal data. */
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    return this.registry.registry.metrics();
  }
}
