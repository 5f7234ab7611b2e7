import { IncidentFlowDecider, Priority } from '../../src/domain/enums';
import { flowAfterPriorityChange, flowAtDeclaration } from '../../src/domain/incident/incident-flow';

const FLOW = [Priority.P1, Priority.P2];
const { DECLARER, PRIORITY } = IncidentFlowDecider;

describe('Incident Flow decision', () => {
  it('at declaration: the declarer decides when explicit, otherwise the priority', () => {
    expect(flowAtDeclaration(false, Priority.P1, FLOW)).toEqual({ incidentFlow: false, decidedBy: DECLARER });
    expect(flowAtDeclaration(true, Priority.P4, FLOW)).toEqual({ incidentFlow: true, decidedBy: DECLARER });
    expect(flowAtDeclaration(undefined, Priority.P2, FLOW)).toEqual({
      incidentFlow: true,
      decidedBy: PRIORITY,
    });
    expect(flowAtDeclaration(null, Priority.P3, FLOW)).toEqual({ incidentFlow: false, decidedBy: PRIORITY });
  });

  it('after a priority change: in stays in, opted out stays out, a priority-decided one follows the priority up', () => {
    const optedOut = { incidentFlow: false, decidedBy: DECLARER };
    expect(flowAfterPriorityChange(optedOut, Priority.P1, FLOW)).toBe(optedOut);
    const inFlow = { incidentFlow: true, decidedBy: PRIORITY };
    expect(flowAfterPriorityChange(inFlow, Priority.P4, FLOW)).toBe(inFlow);
    const p3 = { incidentFlow: false, decidedBy: PRIORITY };
    expect(flowAfterPriorityChange(p3, Priority.P4, FLOW)).toBe(p3);
    expect(flowAfterPriorityChange(p3, Priority.P2, FLOW)).toEqual({
      incidentFlow: true,
      decidedBy: PRIORITY,
    });
  });
});
