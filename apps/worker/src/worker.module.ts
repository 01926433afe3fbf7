import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@parley/config/config';
import { RuntimeModule } from '@parley/runtime/runtime.module';

/** BullMQ consumers (outbound relay, media) register here; it serves only /healthz and /readyz over HTTP. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: WorkerModule, imports: [RuntimeModule.forRoot(config, 'worker')] };
  }
}
