import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from './public.decorator';
import { RedisClient } from './redis.provider';

const within = <T>(ms: number, work: Promise<T>): Promise<T> =>
  Promise.race([
    work,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);

@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly redis: RedisClient,
  ) {}

  /** The process is up. */
  @Get('healthz')
  @HttpCode(200)
  health() {
    return { status: 'ok' };
  }

  /** Postgres and Redis answer. */
  @Get('readyz')
  async ready(@Res() res: Response) {
    const [postgres, redis] = await Promise.all([
      within(2000, this.db.query('SELECT 1')).then(
        () => 'up',
        () => 'down',
      ),
      within(2000, this.redis.redis.ping()).then(
        () => 'up',
        () => 'down',
      ),
    ]);
    const ready = postgres === 'up' && redis === 'up';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', postgres, redis });
  }
}
