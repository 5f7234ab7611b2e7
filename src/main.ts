// Process entry: configuration, tracing, the hub, listen; a clean shutdown on SIGINT/SIGTERM.
// The hub (src/app.ts and all it imports: Express, pg, graphql, the vendor SDKs) is loaded only
// after tracing started, so that OpenTelemetry can patch those modules as they load.
import { ConfigError, loadConfig } from './config';
import { helpText } from './config-help';
import { startTracing } from './telemetry';

/** SIGINT/SIGTERM must stop the process within 10 s, whatever is still running. */
const SHUTDOWN_BUDGET_MS = 9000;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(helpText());
    return;
  }
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
  const tracing = startTracing(config.tracing);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- after startTracing, see above
  const { createHub } = require('./app') as typeof import('./app');
  const hub = await createHub(config);
  const url = await hub.listen();
  hub.log.info(
    { url: `${url}/graphql`, database: hub.database.kind, tracing: tracing ? 'on' : 'off' },
    'incident-hub listening',
  );

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

  // SIGINT/SIGTERM: close in order (hub.close), export the last spans, and exit 0; a close that
  // overruns the budget exits 1 anyway, and a second signal exits at once.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      hub.log.warn({ signal }, 'second signal: exiting without finishing the shutdown');
      process.exit(1);
    }
    stopping = true;
    const startedAt = Date.now();
    hub.log.info({ signal }, 'shutting down');
    setTimeout(() => {
      hub.log.error({ ms: Date.now() - startedAt }, 'shutdown overran its budget; exiting');
      process.exit(1);
    }, SHUTDOWN_BUDGET_MS).unref();
    hub
      .close()
      .then(() => tracing?.shutdown())
      .then(
        () => {
          hub.log.info({ ms: Date.now() - startedAt }, 'stopped');
          process.exit(0);
        },
        (err: unknown) => {
          hub.log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`incident-hub failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
