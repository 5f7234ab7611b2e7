// The conference bridge: a link made from a template, so no vendor call is needed.

export interface ConferenceBridge {
  /** The meeting link for an incident. */
  linkFor(incidentKey: string): string;
}

/** A bridge from a template such as `https://g.co/meet/{key}`. */
export function templateBridge(template: string): ConferenceBridge {
  return { linkFor: (key) => template.replaceAll('{key}', encodeURIComponent(key)) };
}
