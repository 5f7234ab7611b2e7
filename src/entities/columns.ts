// Column shapes shared by the entities, so every table stores time and ids the same way.
import { ColumnOptions } from 'typeorm';

export const timestamp = (options: ColumnOptions = {}): ColumnOptions => ({
  type: 'timestamptz',
  ...options,
});

export const uuidRef = (options: ColumnOptions = {}): ColumnOptions => ({ type: 'uuid', ...options });
