// Whether a text names a client: one rule for every message that must name no other client (a
// client's own channel, ticket and email) or no client at all (the public status page).

import { namesWord } from '../domain/names';

/** A client with the names a text could call it or its sites by. */
export interface NamedClient {
  slug: string;
  name: string;
  sites: readonly { siteId: string; location: string }[];
}

/**
 * The words that name a client: its slug and name, and each site's id and location, the location
 * also as words ("dallas-tx" → "dallas tx") and by its city alone when it ends in a two-letter
 * state or country code ("dallas-tx" → "dallas"), as locations are written in the catalogue.
 */
export function namesOf(client: NamedClient): string[] {
  const sites = client.sites.flatMap((s) => {
    const words = s.location.split(/[-_\s,]+/).filter(Boolean);
    const city = words.length > 1 && /^[a-z]{2}$/i.test(words[words.length - 1]) ? words.slice(0, -1) : [];
    return [s.siteId, s.location, words.join(' '), city.join(' ')];
  });
  return [client.slug, client.name, ...sites].filter(Boolean);
}

/** Whether `text` names any of `clients` (see namesOf) as a word of its own, case aside. */
export function namesAnyOf(text: string, clients: readonly NamedClient[]): boolean {
  const lower = text.toLowerCase();
  return clients.some((c) => namesOf(c).some((name) => namesWord(lower, name.toLowerCase())));
}
