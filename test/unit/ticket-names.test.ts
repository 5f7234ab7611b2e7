// What a support ticket names of the catalogue: clients and sites by tags, sites by a multi-select
// field, the faulty service by a dropdown, compared as support desk tag values.
import { tagValue } from '../../src/domain/names';
import { entryNamed, namesIn, namesToAdd, type NamingCatalogue } from '../../src/domain/support/ticket-names';
import { multiSelectValues } from '../../src/webhooks/zendesk/zendesk-webhook';

const catalogue: NamingCatalogue = {
  clients: [
    { id: 'c-ab', slug: 'albertsons' },
    { id: 'c-wf', slug: 'wakefern' },
    { id: 'c-hf', slug: 'hy-fresh' },
  ],
  sites: [
    { siteId: 'wf0001', clientId: 'c-wf' },
    { siteId: 'ab0001', clientId: 'c-ab' },
    { siteId: 'HF-0001', clientId: 'c-hf' },
  ],
  services: [
    { id: 's-os', name: 'Order Sync' },
    { id: 's-pr', name: 'Picking Robots' },
    { id: 's-un', name: 'Unknown' },
  ],
};

const none = { tags: [], siteValues: [], serviceValue: null };

describe('tagValue', () => {
  it.each([
    ['Order Sync', 'order_sync'],
    ['  WF-0001 ', 'wf_0001'],
    ['hy-fresh', 'hy_fresh'],
    ['__x__', 'x'],
    ['', ''],
  ])('%s -> %s', (from, to) => expect(tagValue(from)).toBe(to));
});

describe('entryNamed', () => {
  const names = ['Order Sync', 'wf0001'];
  it('finds a name by its tag value, with or without one of the given prefixes', () => {
    expect(entryNamed('order_sync', names, (n) => n)).toBe('Order Sync');
    expect(entryNamed('service_order_sync', names, (n) => n, ['service'])).toBe('Order Sync');
    expect(entryNamed('service_order_sync', names, (n) => n)).toBeUndefined();
    expect(entryNamed('WF0001', names, (n) => n)).toBe('wf0001');
    expect(entryNamed('-', names, (n) => n)).toBeUndefined();
  });
});

describe('namesIn', () => {
  it('takes clients and sites from tags, sites from the field and the service from the dropdown', () => {
    expect(
      namesIn(
        {
          tags: ['wakefern', 'vip', 'ab0001', 'albertsons'],
          siteValues: ['wf0001', 'site_hf_0001'],
          serviceValue: 'picking_robots',
        },
        catalogue,
      ),
    ).toEqual({
      // tag order first (the first one keys the incident), then the sites' clients
      clientSlugs: ['wakefern', 'albertsons', 'hy-fresh'],
      siteIds: ['ab0001', 'wf0001', 'HF-0001'],
      service: { id: 's-pr', name: 'Picking Robots' },
      unknown: [],
    });
  });

  it('names a site named twice once, and takes a site without a client tag to name its client', () => {
    expect(namesIn({ ...none, tags: ['wf0001'], siteValues: ['mfc_wf0001'] }, catalogue)).toMatchObject({
      clientSlugs: ['wakefern'],
      siteIds: ['wf0001'],
    });
  });

  it('keeps field values that name nothing as unknown; tags that name nothing are only tags', () => {
    expect(
      namesIn(
        { tags: ['zz0009', 'acme'], siteValues: ['zz0009', 'ab0001'], serviceValue: 'teleporter' },
        catalogue,
      ),
    ).toEqual({
      clientSlugs: ['albertsons'],
      siteIds: ['ab0001'],
      service: null,
      unknown: ['site "zz0009"', 'service "teleporter"'],
    });
    expect(namesIn(none, catalogue)).toEqual({ clientSlugs: [], siteIds: [], service: null, unknown: [] });
  });

  it('reads a service value with its prefix, or the "Unknown" service by name', () => {
    expect(namesIn({ ...none, serviceValue: 'service_order_sync' }, catalogue).service?.name).toBe(
      'Order Sync',
    );
    expect(namesIn({ ...none, serviceValue: 'unknown' }, catalogue).service?.name).toBe('Unknown');
  });
});

describe('namesToAdd', () => {
  const incident = {
    key: 'k',
    stage: 'INVESTIGATING',
    service: 'Unknown',
    clients: ['albertsons'],
    sites: ['ab0001'],
  };
  const names = {
    clientSlugs: ['albertsons', 'wakefern'],
    siteIds: ['wf0001'],
    service: { id: 's-os', name: 'Order Sync' },
    unknown: [],
  };

  it('adds new clients and sites to the current sets, and a service while the incident has "Unknown"', () => {
    expect(namesToAdd(names, incident, 'Unknown')).toEqual({
      affectedClientSlugs: ['albertsons', 'wakefern'],
      affectedSiteIds: ['ab0001', 'wf0001'],
      faultyServiceId: 's-os',
      added: ['client "wakefern"', 'site "wf0001"', 'service "Order Sync"'],
    });
  });

  it('removes nothing and keeps a service people chose', () => {
    const now = {
      ...incident,
      service: 'Picking Robots',
      clients: ['albertsons', 'wakefern'],
      sites: ['wf0001', 'ab0001'],
    };
    expect(namesToAdd({ ...names, clientSlugs: [] }, now, 'Unknown')).toEqual({ added: [] });
  });
});

describe('multiSelectValues', () => {
  it.each([
    [
      ['wf0001', ' ab0001 ', '', 3],
      ['wf0001', 'ab0001'],
    ],
    ['wf0001, ab0001 wf0002', ['wf0001', 'ab0001', 'wf0002']],
    [null, []],
    [undefined, []],
    [42, []],
  ])('%j -> %j', (value, values) => expect(multiSelectValues(value)).toEqual(values));
});
