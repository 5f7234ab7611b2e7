import { ExternalSystem } from '../../domain/enums';
import type { VendorModule } from '../vendor-module';

// Not built yet: this vendor reacts to nothing and reports itself disabled.
export const jiraModule: VendorModule = {
  system: ExternalSystem.JIRA,
  enabled: () => false,
  reactions: () => null,
  handler: () => {
    throw new Error('jira is not implemented yet');
  },
};
