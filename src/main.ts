// Process entry: configuration, the hub, listen; a clean shutdown on SIGINT/SIGTERM.
import { createHub } from './app';
import { ConfigError, loadConfig } from './config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const hub = await createHub(config);
  const url = await hub.listen();
  hub.log.info({ url: `${url}/graphql`, database: hub.database.kind }, 'incident-hub listening');

  const lines = [
    '',
    `  incident-hub is up: ${url}/graphql  (health: ${url}/healthz, ${url}/readyz)`,
    `  database: ${hub.database.kind === 'embedded' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL server (DATABASE_URL)'}`,
    '  authenticate with the header  Authorization: Bearer <token>',
    hub.generatedAdminToken
      ? `  first start: an ADMIN token was generated and is shown only now:\n    ${hub.generatedAdminToken}`
      : config.adminToken
        ? '  ADMIN_TOKEN from the environment is an ADMIN token.'
        : '  use the ADMIN token printed at first start, or set ADMIN_TOKEN and restart.',
    '',
  ];
  process.stderr.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    hub.log.info({ signal }, 'shutting down');
    await hub.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`incident-hub failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
