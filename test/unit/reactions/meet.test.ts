// Meet's rule: the bridge link of a flow incident, complete when planned (nothing to call).
import { meetModule } from '../../../src/integrations/meet/meet.module';
import { FakeBridge } from '../../support/in-process-ports';
import {
  domainEvent,
  incidentView,
  INCIDENT_ID,
  KEY,
  MemoryPlan,
  reactionsOf,
  testConfig,
} from '../../support/reactions';

describe('Meet reactions', () => {
  it('records the bridge link of a flow incident as done, from the configured template', async () => {
    const meet = reactionsOf(meetModule, testConfig({ MEET_URL_TEMPLATE: 'https://meet.example/{key}' }));
    const url = `https://meet.example/${KEY}`;
    expect(await new MemoryPlan().plan(meet, domainEvent('IncidentDeclared'))).toEqual([
      {
        action: 'meet.link',
        dedupeKey: `meet:link:${INCIDENT_ID}`,
        payload: { url },
        done: { externalId: KEY, url },
      },
    ]);
  });

  it('uses the conference bridge it is given', async () => {
    const bridge = new FakeBridge();
    const [link] = await new MemoryPlan().plan(
      reactionsOf(meetModule, testConfig(), { bridge }),
      domainEvent('IncidentDeclared'),
    );
    expect(link.done).toEqual({ externalId: KEY, url: `https://meet.test/${KEY}` });
    expect(bridge.calls).toEqual([{ method: 'linkFor', args: [KEY] }]);
  });

  it('links no bridge outside Incident Flow, links one when the priority is raised into it, and only once', async () => {
    const meet = reactionsOf(meetModule);
    const plan = new MemoryPlan(incidentView({ priority: 'P3', incidentFlow: false }));
    expect(await plan.plan(meet, domainEvent('IncidentDeclared'))).toEqual([]);
    plan.view = incidentView({ priority: 'P1' });
    const raised = domainEvent('PriorityChanged', { incidentFlow: true, enteredFlow: true });
    expect((await plan.plan(meet, raised)).map((i) => i.action)).toEqual(['meet.link']);
    expect(await plan.plan(meet, raised)).toEqual([]);
  });
});
