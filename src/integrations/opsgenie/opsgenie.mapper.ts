// Pure: what a page says. The key is the alias, a tag and the start of the message, so whoever
// is paged can find the incident channel.

export function alertMessage(key: string, summary: string): string {
  const message = `${key}: ${summary}`;
  return message.length <= 130 ? message : `${message.slice(0, 129)}…`;
}

export function alertTags(key: string, priority: string): string[] {
  return [key, priority, 'incident-hub'];
}
