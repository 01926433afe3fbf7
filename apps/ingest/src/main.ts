import { runApp } from '@parley/runtime/bootstrap';
import { IngestModule } from './ingest.module';

// rawBody: Instagram's signature is over the exact bytes Meta sent.
void runApp(
  'ingest',
  (config) => IngestModule.forRoot(config),
  (config) => config.ports.ingest,
  undefined,
  {
    rawBody: true,
  },
);
