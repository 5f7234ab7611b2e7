// Working in Jira beside the hub (reconciliation tests): a person's own client that changes issues
// without any webhook reaching the hub, and an action item tracked by an issue of its own.
import { loadConfig } from '../../src/config';
import type { JiraIssueTracker } from '../../src/integrations/jira/jira.client';
import { jiraModule } from '../../src/integrations/jira/jira.module';
import type { JiraFake } from './fakes';
import { CREATE_ACTION_ITEM } from './operations';
import { fakeSettings, type TestHub } from './test-hub';

/** Someone working in Jira by hand, through the hub's own client for these settings: the hub hears nothing. */
export function jiraUser(jira: JiraFake): JiraIssueTracker {
  return jiraModule.adapter(loadConfig(fakeSettings({ jira }))) as JiraIssueTracker;
}

/** An action item of the incident whose work is tracked by a new Jira issue. */
export async function trackedActionItem(
  t: TestHub,
  jira: JiraFake,
  incidentKey: string,
  title: string,
): Promise<{ id: string; issueKey: string }> {
  const issue = await jiraUser(jira).ensureIncidentIssue({
    incidentKey: `${incidentKey}-item`,
    summary: title,
    description: '-',
  });
  const { createActionItem } = await t.ok<{ createActionItem: { id: string } }>(CREATE_ACTION_ITEM, {
    input: {
      incidentKey,
      title,
      kind: 'CLEANUP',
      ownerId: t.people.responder.id,
      dueDate: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      jiraIssueKey: issue.issueKey,
    },
  });
  return { id: createActionItem.id, issueKey: issue.issueKey };
}
