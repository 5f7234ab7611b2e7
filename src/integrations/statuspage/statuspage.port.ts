// What the hub needs from a public status page: one incident per hub incident, kept current.

export interface StatusPage {
  /**
   * The page's incident for this hub incident, created only when none exists. `reference` is an
   * opaque id kept in the page incident's metadata (the key would name the client publicly).
   */
  ensureIncident(request: {
    reference: string;
    name: string;
    status: string;
    body: string;
  }): Promise<{ incidentId: string; url: string }>;
  /** Post an update with a new status. */
  update(request: { incidentId: string; status: string; body: string }): Promise<void>;
}
