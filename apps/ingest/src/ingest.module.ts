import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@parley/config/config';
import { RuntimeModule } from '@parley/runtime/runtime.module';

/** Platform webhooks land here (`/webhooks/telegram/:channelId`, `/webhooks/instagram`). */
@Module({})
export class IngestModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: IngestModule, imports: [RuntimeModule.forRoot(config, 'ingest')] };
  }
}
