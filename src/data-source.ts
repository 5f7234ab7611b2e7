// The DataSource the TypeORM CLI uses (migration:generate, migration:run). The hub itself opens
// its database through src/database/database.ts.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './config';
import { dataSourceOptions } from './database/database';

const config = loadConfig();
if (!config.databaseUrl) {
  throw new Error(
    'The TypeORM CLI needs DATABASE_URL (a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/scratch)',
  );
}

export default new DataSource(dataSourceOptions(config.databaseUrl));
