// How a vendor plugs into the hub: its reactions (planned whether or not it is configured, so a
// disabled vendor still shows what it would send) and its effect handler with the real adapter
// (only when its credentials are set). The composition in integrations.ts knows nothing else.
import type { Config } from '../config';
import type { ExternalSystem } from '../domain/enums';
import type { EffectHandler } from './effects/effect-runner';
import type { Reactions } from './effects/effect-planner';

export interface VendorModule {
  readonly system: ExternalSystem;
  /** Whether the credentials this vendor needs are set. */
  enabled(config: Config): boolean;
  /** What this vendor does in response to domain events; null when it reacts to nothing yet. */
  reactions(config: Config, enabled: boolean): Reactions | null;
  /**
   * The handler that carries out its effects with the real adapter (called only when enabled);
   * absent for a vendor whose effects are complete when planned (a link made from a template).
   */
  handler?(config: Config): EffectHandler;
}
