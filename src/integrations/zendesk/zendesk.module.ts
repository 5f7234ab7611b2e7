import { ExternalSystem } from '../../domain/enums';
import type { VendorModule } from '../vendor-module';

// Not built yet: this vendor reacts to nothing and reports itself disabled.
export const zendeskModule: VendorModule = {
  system: ExternalSystem.ZENDESK,
  enabled: () => false,
  reactions: () => null,
  handler: () => {
    throw new Error('zendesk is not implemented yet');
  },
};
