// Writes src/schema/schema.graphql from the code (npm run schema:emit). A test fails when the
// committed file and the built schema differ.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printHubSchema, SCHEMA_FILE } from '../src/schema/print-schema';

void printHubSchema().then((sdl) => {
  writeFileSync(join(__dirname, '..', '..', SCHEMA_FILE), sdl);
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
});
