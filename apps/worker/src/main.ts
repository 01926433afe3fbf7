import { Logger } from '@nestjs/common';
import { setPriority } from 'node:os';
import type { AppConfig } from '@parley/config/config';
import { runApp } from '@parley/runtime/bootstrap';
import { WorkerModule } from './worker.module';

/**
 * The worker's work can wait a moment; a platform waiting for its webhook's answer, or an agent for
 * a socket frame, cannot. Where they share cores (a small machine, a storm), the worker yields:
 * with nice 5 Linux gives ingest and the api about three times its share of a contended core.
 */
function yieldCpu(config: AppConfig): void {
  try {
    setPriority(config.workerNice);
  } catch (error) {
    new Logger('worker').warn(`WORKER_NICE=${config.workerNice} not applied: ${(error as Error).message}`);
  }
}

void runApp(
  'worker',
  (config) => {
    yieldCpu(config);
    return WorkerModule.forRoot(config);
  },
  (config) => config.ports.worker,
);
