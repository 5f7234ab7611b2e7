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
    });
    expect(config.vendors.SLACK_INCIDENTS_CHANNEL).toBe('#incidents');
  });

  it.each([
    ['PORT', 'eighty'],
    ['DATABASE_URL', 'not a url'],
    ['ADMIN_TOKEN', 'short'],
    ['JIRA_HOST', '::'],
  ])('refuses a bad %s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`\\b${name}\\b`));
  });

  it('is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
  });
});
