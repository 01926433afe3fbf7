import { runApp } from '@parley/runtime/bootstrap';
import { IngestModule } from './ingest.module';

// rawBody: platforms sign the exact bytes they sent (Instagram's X-Hub-Signature-256).
void runApp(
  'ingest',
  (config) => IngestModule.forRoot(config),
  (config) => config.ports.ingest,
  undefined,
  {
    rawBody: true,
  },
);
