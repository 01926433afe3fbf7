import { DataSource } from 'typeorm';
import { loadConfig } from '@parley/config/config';
import { dataSourceOptions } from './data-source-options';

/** For the TypeORM CLI (`npm run migration:run|revert|generate`). */
export default new DataSource(dataSourceOptions(loadConfig().databaseUrl));
