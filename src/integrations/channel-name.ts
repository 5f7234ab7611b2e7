// The name of an incident's chat channel, decided in one place: the Slack reactions open it under
// this name, and every message that names the channel (the Opsgenie page, the announcement) says
// the same. Once Slack has opened it, the name it really got (a suffix when the name was taken)
// replaces the planned one (see IncidentView.channelName).

const MAX_NAME = 80;

/** Slack's rules: lowercase letters, digits, dashes and underscores; at most 80 characters. */
export function slackChannelName(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_NAME)
    .replace(/-+$/, '');
}

/** `<key>`, or `incident-<siteId>-<location>-<ticket>` for a single-site incident from a ticket. */
export function incidentChannelName(view: {
  key: string;
  zendeskTicketId: string | null;
  sites: readonly { siteId: string; location: string }[];
}): string {
  if (view.sites.length === 1 && view.zendeskTicketId) {
    const [site] = view.sites;
    return slackChannelName(`incident-${site.siteId}-${site.location}-${view.zendeskTicketId}`);
  }
  return slackChannelName(view.key);
}

/** The same name with a numeric suffix, still within 80 characters. */
export function suffixedChannelName(name: string, n: number): string {
  const suffix = `-${n}`;
  return name.slice(0, MAX_NAME - suffix.length) + suffix;
}
