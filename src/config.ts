// The one place that reads process.env: parsed once, validated, typed and frozen. A bad value
// stops the process with a message naming the variable.
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const url = optionalString.refine((v) => v === undefined || URL.canParse(v), 'must be a URL');

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: url,
  DATA_DIR: z.string().default('./.data'),
  ADMIN_TOKEN: optionalString.refine(
    (v) => v === undefined || v.length >= 16,
    'must be at least 16 characters',
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Development only: error responses carry stack traces. */
  DEV_ERRORS: flag,
  SEED_DEMO_DATA: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  MAX_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  MEET_URL_TEMPLATE: z.string().default('https://g.co/meet/{key}'),
  SLACK_API_URL: url,
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_INCIDENTS_CHANNEL: z.string().default('#incidents'),
  JIRA_HOST: url,
  JIRA_EMAIL: optionalString,
  JIRA_API_TOKEN: optionalString,
  JIRA_PROJECT_KEY: optionalString,
  ZENDESK_URL: url,
  ZENDESK_EMAIL: optionalString,
  ZENDESK_API_TOKEN: optionalString,
  ZENDESK_WEBHOOK_SECRET: optionalString,
  OPSGENIE_API_URL: url,
  OPSGENIE_API_KEY: optionalString,
  OPSGENIE_WEBHOOK_SECRET: optionalString,
  STATUSPAGE_API_URL: url,
  STATUSPAGE_API_KEY: optionalString,
  STATUSPAGE_PAGE_ID: optionalString,
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly port: number;
  readonly host: string;
  /** A PostgreSQL server; undefined means the embedded database in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly devErrors: boolean;
  readonly seedDemoData: boolean;
  readonly maxPageSize: number;
  readonly meetUrlTemplate: string;
  readonly vendors: Readonly<Omit<Env, 'NODE_ENV' | 'PORT' | 'HOST' | 'DATABASE_URL' | 'DATA_DIR'>>;
}

export class ConfigError extends Error {}

/** Parse an environment (process.env by default) into a Config, or throw naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    adminToken: e.ADMIN_TOKEN,
    logLevel: e.LOG_LEVEL,
    devErrors: e.DEV_ERRORS,
    seedDemoData: e.SEED_DEMO_DATA,
    maxPageSize: e.MAX_PAGE_SIZE,
    meetUrlTemplate: e.MEET_URL_TEMPLATE,
    vendors: Object.freeze({ ...e }),
  });
}
