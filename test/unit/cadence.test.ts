// STATUS_UPDATE_CADENCE: seconds between status updates per priority.
import { loadConfig } from '../../src/config';
import { formatCadence, parseCadence } from '../../src/domain/rhythm/cadence';

describe('status update cadence', () => {
  it('defaults to P1 every 30 minutes and P2 every hour, P3 and P4 none', () => {
    expect(loadConfig({}).updateCadence).toEqual({ P1: 1800, P2: 3600 });
  });

  it('reads minutes, seconds and hours; a bare number is minutes', () => {
    expect(parseCadence('P1=30m,P2=60m')).toEqual({ P1: 1800, P2: 3600 });
    expect(parseCadence(' p1 = 20s , P3=2h, P4=15')).toEqual({ P1: 20, P3: 7200, P4: 900 });
    expect(parseCadence('')).toEqual({});
    expect(loadConfig({ STATUS_UPDATE_CADENCE: 'P1=20s' }).updateCadence).toEqual({ P1: 20 });
  });

  it.each(['P1', 'P5=30m', 'P1=30x', 'P1=0s', 'P1=30m,P1=20s', 'P1=-5m'])(
    'refuses %p, naming STATUS_UPDATE_CADENCE',
    (value) => {
      expect(() => loadConfig({ STATUS_UPDATE_CADENCE: value })).toThrow(/STATUS_UPDATE_CADENCE/);
    },
  );

  it('writes the cadence back in the same notation', () => {
    expect(formatCadence({ P1: 20, P2: 3600 })).toBe('P1=20s,P2=60m');
  });
});
