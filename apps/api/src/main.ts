import { runApp } from '@parley/runtime/bootstrap';
import { ApiModule, setupApi } from './api.module';

void runApp(
  'api',
  (config) => ApiModule.forRoot(config),
  (config) => config.ports.api,
  setupApi,
);
