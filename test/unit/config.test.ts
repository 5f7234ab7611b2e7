import { ConfigError, loadConfig } from '../../src/config';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      dataDir: './.data',
      adminToken: undefined,
      meetUrlTemplate: 'https://g.co/meet/{key}',
      database: {
        connectTimeoutMs: 5000,
        poolWaitMs: 10_000,
        statementTimeoutMs: 15_000,
        idleInTransactionTimeoutMs: 60_000,
      },
      databasePoolSize: 10,
      admission: { inFlight: 10, queued: 500, queueTimeoutMs: 50_000 },
      readyTimeoutMs: 2000,
    });
    // the requests served at once follow the pool unless set
    expect(loadConfig({ DATABASE_POOL_SIZE: '4' }).admission.inFlight).toBe(4);
    expect(loadConfig({ DATABASE_POOL_SIZE: '4', MAX_REQUESTS_IN_FLIGHT: '3' }).admission.inFlight).toBe(3);
    // no announcement channel unless one is named: a default that does not exist would fail every announcement
    expect(config.vendors.SLACK_INCIDENTS_CHANNEL).toBeUndefined();
    expect(loadConfig({ SLACK_INCIDENTS_CHANNEL: '#major-incidents' }).vendors.SLACK_INCIDENTS_CHANNEL).toBe(
      '#major-incidents',
    );
    expect(config.vendors.JIRA_STAGE_STATUSES.CANCELLED).toBe('Cancelled');
    expect(config.vendors.JIRA_PRIORITIES).toEqual({ P1: 'Highest', P2: 'High', P3: 'Medium', P4: 'Low' });
    expect(config.vendors.JIRA_COMMENT_INTERVAL).toBe(60);
    expect(loadConfig({ JIRA_COMMENT_INTERVAL: '2s' }).vendors.JIRA_COMMENT_INTERVAL).toBe(2);
    expect(loadConfig({ JIRA_COMMENT_INTERVAL: '5m' }).vendors.JIRA_COMMENT_INTERVAL).toBe(300);
  });

  it('reads JIRA_PRIORITIES as PRIORITY=Name pairs, like JIRA_STAGE_STATUSES', () => {
    expect(loadConfig({ JIRA_PRIORITIES: ' p1 = Blocker , P2=Critical' }).vendors.JIRA_PRIORITIES).toEqual({
      P1: 'Blocker',
      P2: 'Critical',
    });
  });

  it.each([
    ['PORT', 'eighty'],
    ['DATABASE_URL', 'not a url'],
    ['ADMIN_TOKEN', 'short'],
    ['JIRA_HOST', '::'],
    ['JIRA_PRIORITIES', 'P1'],
    ['SLACK_INCIDENTS_CHANNEL', 'Major Incidents'],
    ['POSTMORTEM_TEMPLATE', '/no/such/postmortem.md.hbs'],
    ['JIRA_COMMENT_INTERVAL', 'a minute'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '0'],
    ['READYZ_TIMEOUT_MS', 'soon'],
    ['DATABASE_POOL_SIZE', '0'],
    ['MAX_REQUESTS_IN_FLIGHT', 'many'],
    ['REQUEST_QUEUE_TIMEOUT_MS', '-1'],
    ['JIRA_COMMENT_INTERVAL', '0s'],
    ['STATUS_UPDATE_CADENCE', 'P1=soon'],
    ['HANDOVER_AFTER', 'later'],
    ['ALERT_RULES', 'severity=critical'],
  ])('refuses a bad %s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`\\b${name}\\b`));
  });

  it('seeds demo data by default, except under NODE_ENV=production unless SEED_DEMO_DATA asks', () => {
    expect(loadConfig({}).seedDemoData).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).seedDemoData).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).seedDemoData).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', SEED_DEMO_DATA: 'true' }).seedDemoData).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', SEED_DEMO_DATA: '1' }).seedDemoData).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development', SEED_DEMO_DATA: 'false' }).seedDemoData).toBe(false);
    expect(() => loadConfig({ SEED_DEMO_DATA: 'yes' })).toThrow(/\bSEED_DEMO_DATA\b/);
  });

  it('reads RATE_LIMIT_MUTATIONS and RATE_LIMIT_WEBHOOKS as count/duration, or off', () => {
    expect(loadConfig({}).rateLimits).toEqual({
      mutations: { points: 120, durationSeconds: 60 },
      webhooks: { points: 600, durationSeconds: 60 },
    });
    expect(loadConfig({ RATE_LIMIT_MUTATIONS: '3 / 10s', RATE_LIMIT_WEBHOOKS: 'OFF' }).rateLimits).toEqual({
      mutations: { points: 3, durationSeconds: 10 },
      webhooks: null,
    });
    expect(() => loadConfig({ RATE_LIMIT_MUTATIONS: 'lots' })).toThrow(
      /RATE_LIMIT_MUTATIONS: "lots" is not a rate limit/,
    );
    expect(() => loadConfig({ RATE_LIMIT_WEBHOOKS: '0/60s' })).toThrow(/RATE_LIMIT_WEBHOOKS: .*at least 1/);
    expect(() => loadConfig({ RATE_LIMIT_WEBHOOKS: '5/0s' })).toThrow(
      /RATE_LIMIT_WEBHOOKS: .*between 1s and 7 days/,
    );
  });

  it('reads TRUST_PROXY as Express takes it: none by default, true, hops, or addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/\bTRUST_PROXY\b/);
  });

  it('turns tracing on only when an exporter is configured (OTEL_*), and none turns it off', () => {
    const endpoint = 'http://otel-collector:4318';
    expect(loadConfig({}).tracing).toEqual({ enabled: false, serviceName: 'incident-hub' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }).tracing.enabled).toBe(true);
    expect(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces` }).tracing.enabled).toBe(
      true,
    );
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'console' }).tracing.enabled).toBe(true);
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_EXPORTER: 'none' }).tracing.enabled,
    ).toBe(false);
    expect(loadConfig({ OTEL_SERVICE_NAME: 'hub-eu' }).tracing.serviceName).toBe('hub-eu');
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'udp' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
  });

  it('is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
  });
});
