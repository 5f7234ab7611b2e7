// The Slack app manifest (slack-app-manifest.json) creates the app with everything the hub uses:
// a bot scope for every Web API method the adapter calls, a subscription for every event the
// events endpoint follows, and the hub's three Slack URLs. A new call or event that the manifest
// does not grant fails here, so the manifest cannot drift from the code.
import fs from 'node:fs';
import path from 'node:path';
import { slackDelivery } from '../../src/webhooks/slack/slack-events';
import { contractsDir } from '../support/fakes/openapi';

const root = path.join(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'slack-app-manifest.json'), 'utf8')) as {
  features: { slash_commands: { command: string; url: string; should_escape: boolean }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string; message_menu_options_url: string };
  };
};

/**
 * The bot token scope each method needs, from the methods' pages on docs.slack.dev ("Bot token
 * scopes"; the archived OpenAPI file names the older workspace-app scopes). `null`: no scope.
 */
const BOT_SCOPE: Readonly<Record<string, string | null>> = {
  'auth.test': null,
  'conversations.create': 'channels:manage',
  'conversations.setTopic': 'channels:manage',
  'conversations.invite': 'channels:manage',
  'conversations.join': 'channels:join',
  'conversations.list': 'channels:read',
  'conversations.info': 'channels:read',
  'conversations.history': 'channels:history',
  'chat.postMessage': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.update': 'chat:write',
  'chat.getPermalink': null,
  'pins.add': 'pins:write',
  'pins.list': 'pins:read',
  'pins.remove': 'pins:write',
  'reactions.get': 'reactions:read',
  'users.info': 'users:read',
  'users.lookupByEmail': 'users:read.email',
  'views.open': null,
  'views.update': null,
  'views.push': null,
};

/** The Web API methods the adapter calls (`this.web.<family>.<method>(`). */
function adapterMethods(): string[] {
  const dir = path.join(root, 'src', 'integrations', 'slack');
  const source = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
  return [
    ...new Set([...source.matchAll(/this\.web\.([a-z]+)\.([A-Za-z]+)\(/g)].map((m) => `${m[1]}.${m[2]}`)),
  ];
}

describe('the Slack app manifest', () => {
  it('grants a bot scope for every Web API method the adapter calls', () => {
    const methods = adapterMethods();
    expect(methods).toEqual(
      expect.arrayContaining(['conversations.create', 'chat.postMessage', 'views.open']),
    );
    const spec = JSON.parse(
      fs.readFileSync(path.join(contractsDir(), 'specs', 'slack-web-openapi-v2.json'), 'utf8'),
    ) as { paths: Record<string, unknown> };
    for (const method of methods) {
      expect(spec.paths[`/${method}`]).toBeDefined(); // a method Slack publishes
      if (!(method in BOT_SCOPE)) throw new Error(`add ${method}'s bot scope to BOT_SCOPE (docs.slack.dev)`);
      const scope = BOT_SCOPE[method];
      if (scope)
        expect({ method, granted: manifest.oauth_config.scopes.bot.includes(scope) }).toEqual({
          method,
          granted: true,
        });
    }
    // The slash command needs `commands`; the star's reaction events need `reactions:read`.
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['commands', 'reactions:read']));
  });

  it('subscribes to every event the events endpoint follows, and to nothing it ignores', () => {
    const spec = JSON.parse(
      fs.readFileSync(path.join(contractsDir(), 'specs', 'slack-events-asyncapi-v1.json'), 'utf8'),
    ) as { topics: Record<string, unknown> };
    /** Whether the endpoint keeps an event of this type (a ZodError: kept, this sample is just thin). */
    const follows = (event: Record<string, unknown>) => {
      try {
        return (
          slackDelivery({ type: 'event_callback', event_id: 'Ev1', event: event as never }, 'star') !== null
        );
      } catch {
        return true;
      }
    };
    const sample = {
      user: 'U1',
      reaction: 'star',
      item: { type: 'message', channel: 'C1', ts: '1.1' },
      event_ts: '1.1',
    };
    const followed = Object.keys(spec.topics)
      .filter((topic) => !topic.startsWith('message'))
      .map((topic) => topic.replace(/\./g, '_'))
      .filter((type) => follows({ type, ...sample }));
    // Edits and deletions of messages in the (public) incident channels come as message.channels.
    const messageSubtypes = [
      'message_changed',
      'message_deleted',
      'message_replied',
      'channel_join',
      'bot_message',
    ];
    if (messageSubtypes.some((subtype) => follows({ type: 'message', subtype, channel: 'C1', ...sample }))) {
      followed.push('message.channels');
    }
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual(followed.sort());
  });

  it('points the command, the events and the interactivity at the hub, and escapes mentions', () => {
    const [command] = manifest.features.slash_commands;
    expect(command.command).toBe('/incident');
    expect(new URL(command.url).pathname).toBe('/webhooks/slack/commands');
    // `/incident role im @alice` must arrive as <@U…|alice>, which the command reads.
    expect(command.should_escape).toBe(true);
    expect(new URL(manifest.settings.event_subscriptions.request_url).pathname).toBe(
      '/webhooks/slack/events',
    );
    const interactivity = manifest.settings.interactivity;
    expect(interactivity.is_enabled).toBe(true);
    expect(new URL(interactivity.request_url).pathname).toBe('/webhooks/slack/interactions');
    // Selects longer than Slack's 100 options load theirs from the same endpoint (block_suggestion).
    expect(new URL(interactivity.message_menu_options_url).pathname).toBe('/webhooks/slack/interactions');
  });
});
