import { ExternalSystem } from '../../domain/enums';
import type { VendorModule } from '../vendor-module';

// Not built yet: this vendor reacts to nothing and reports itself disabled.
export const opsgenieModule: VendorModule = {
  system: ExternalSystem.OPSGENIE,
  enabled: () => false,
  reactions: () => null,
  handler: () => {
    throw new Error('opsgenie is not implemented yet');
  },
};
