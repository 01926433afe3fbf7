import { runApp } from '@parley/runtime/bootstrap';
import { WorkerModule } from './worker.module';

void runApp(
  'worker',
  (config) => WorkerModule.forRoot(config),
  (config) => config.ports.worker,
);
