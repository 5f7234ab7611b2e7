// The domain's use cases, one service per aggregate, built together over one unit of work.
// Every entry point (GraphQL, the Slack command, webhooks, the demo seed) calls these.
import { ActionItemService } from './action-items/action-item.service';
import { DistributionListService } from './catalogue/distribution-lists';
import { IncidentService, type IncidentServiceSettings } from './incident/incident.service';
import { IntegrationActivityService } from './integration-activity/integration-activity.service';
import { PostmortemService } from './postmortem/postmortem.service';
import { PostmortemTemplate } from './postmortem/postmortem-template';
import { RoleService } from './roles/role.service';
import type { UnitOfWork } from './unit-of-work';
import { CommunicationService } from './updates/communication.service';
import { UpdateService } from './updates/update.service';

export interface DomainServices {
  readonly incidents: IncidentService;
  readonly roles: RoleService;
  readonly updates: UpdateService;
  readonly actionItems: ActionItemService;
  readonly integrationActivity: IntegrationActivityService;
  readonly communications: CommunicationService;
  readonly distributionLists: DistributionListService;
  readonly postmortems: PostmortemService;
}

export function createDomainServices(
  uow: UnitOfWork,
  settings?: IncidentServiceSettings,
  /** The postmortem template file (default: templates/postmortem.md.hbs). */
  postmortemTemplate?: string,
): DomainServices {
  return {
    incidents: new IncidentService(uow, settings),
    roles: new RoleService(uow),
    updates: new UpdateService(uow),
    actionItems: new ActionItemService(uow),
    integrationActivity: new IntegrationActivityService(uow),
    communications: new CommunicationService(uow),
    distributionLists: new DistributionListService(uow),
    postmortems: new PostmortemService(uow, PostmortemTemplate.load(postmortemTemplate)),
  };
}
