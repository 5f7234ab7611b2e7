// How a vendor plugs into the hub: its reactions (planned whether or not it is configured, so a
// disabled vendor still shows what it would send), its real adapter, and the effect handler that
// drives whichever adapter the composition root hands it (the real client, or an in-process fake).
// The composition in integrations.ts knows nothing else.
import type { Config } from '../config';
import type { ExternalSystem } from '../domain/enums';
import type { DomainServices } from '../domain/services';
import type { EffectHandler } from './effects/effect-runner';
import type { Reactions } from './effects/effect-planner';
import type { Mailer } from './email/email.port';
import type { IssueTracker } from './jira/jira.port';
import type { ConferenceBridge } from './meet/meet.port';
import type { OnCallPager } from './opsgenie/opsgenie.port';
import type { ChatChannel } from './slack/slack.port';
import type { StatusPage } from './statuspage/statuspage.port';
import type { SupportDesk } from './zendesk/zendesk.port';

/** What the hub needs from each vendor: the port every adapter of that vendor implements. */
export interface VendorPorts {
  slack: ChatChannel;
  opsgenie: OnCallPager;
  jira: IssueTracker;
  zendesk: SupportDesk;
  statuspage: StatusPage;
  meet: ConferenceBridge;
  email: Mailer;
}

export type VendorName = keyof VendorPorts;

export interface VendorModule<N extends VendorName = VendorName> {
  /** Its key in VendorPorts. */
  readonly name: N;
  readonly system: ExternalSystem;
  /** Whether the credentials its real adapter needs are set. */
  enabled(config: Config): boolean;
  /** The real adapter (the vendor's client); built once, and only when `enabled` and no other is given. */
  adapter(config: Config): VendorPorts[N];
  /**
   * What this vendor does in response to domain events; null when it reacts to nothing yet.
   * `enabled`: whether it has an adapter; `bridge`: the conference bridge the hub links to.
   */
  reactions(config: Config, enabled: boolean, bridge: ConferenceBridge): Reactions | null;
  /**
   * The handler that carries out its effects through its adapter (called only when it has one);
   * absent for a vendor whose effects are complete when planned (a link made from a template).
   * `domain`: the use cases a handler records a vendor's answer through (e.g. an action item's issue).
   */
  handler?(port: VendorPorts[N], config: Config, domain?: DomainServices): EffectHandler;
}
