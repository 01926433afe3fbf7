import { InitialSchema1764000000000 } from './1764000000000-initial-schema';

/** Every migration in order. `npm run migration:generate` writes a new file: add its class here. */
export const MIGRATIONS = [InitialSchema1764000000000];
