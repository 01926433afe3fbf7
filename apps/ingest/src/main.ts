import { runApp } from '@parley/runtime/bootstrap';
import { IngestModule } from './ingest.module';

void runApp(
  'ingest',
  (config) => IngestModule.forRoot(config),
  (config) => config.ports.ingest,
);
