// GraphiQL in a real browser: the hub's page at /graphql asks for the token first, then loads the
// schema, runs queries over HTTP and subscriptions over graphql-ws with it, and ships example
// operations, loading nothing from outside the hub.
import { existsSync, statSync } from 'node:fs';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { CHANGE_STAGE, INCIDENT_KEYS, INCIDENT_STAGE_CHANGED } from '../support/operations';
import { describeBrowser, within, type BrowserFixture } from './support';

const LIST = INCIDENT_KEYS;
const SUBSCRIBE = INCIDENT_STAGE_CHANGED;

// Run in the page: the whole text of a CodeMirror editor (it renders only the lines in view), or
// null before the editor exists.
const editorText = (container: string) => `(() => {
  const editor = document.querySelector(${JSON.stringify(container)} + ' .CodeMirror');
  return editor && editor.CodeMirror ? editor.CodeMirror.getValue() : null;
})()`;
const READ_RESPONSE = editorText('.graphiql-response');

describeBrowser('GraphiQL (/graphql from a browser)', (browser: BrowserFixture) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub();
  });
  afterAll(async () => {
    await t?.close();
  });

  const readResponse = () => browser.page.evaluate<string | null>(READ_RESPONSE);
  /** The response pane parsed as JSON, or null while it is empty or not JSON. */
  const response = async (): Promise<Record<string, unknown> | null> => {
    const text = await readResponse();
    try {
      return text ? (JSON.parse(text) as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  };

  /** Open GraphiQL as a user who gave this token earlier in the tab (kept in sessionStorage). */
  async function openGraphiQL(token: string | null): Promise<void> {
    if (token) {
      await browser.page.addInitScript({
        content: `sessionStorage.setItem('incident-hub:token', ${JSON.stringify(token)});`,
      });
    }
    const res = await browser.page.goto(`${t.url}/graphql`);
    expect(res?.headers()['content-type']).toMatch(/^text\/html/);
    await browser.page.locator('.graphiql-execute-button').waitFor({ timeout: 10_000 });
  }

  const status = () => browser.page.locator('#token-status').innerText();
  /** The whole page's visible text. */
  const pageText = () => browser.page.locator('body').innerText();
  const tabTitles = () => browser.page.locator('.graphiql-tab').allInnerTexts();

  /** Replace the query editor's text and run it; the parsed response. */
  async function run(query: string): Promise<Record<string, unknown> | null> {
    await typeQuery(query);
    await browser.page.keyboard.press('ControlOrMeta+Enter');
    return within(10_000, response, (r) => r !== null, 'a response');
  }

  it('asks for the token first, with no error, then loads the schema as soon as one is given', async () => {
    const res = await browser.page.goto(`${t.url}/graphiql`);
    expect(res?.url()).toBe(`${t.url}/graphql`);
    await browser.page.locator('.graphiql-execute-button').waitFor({ timeout: 10_000 });
    // the prompt: a labelled field, above the editor
    const field = browser.page.getByLabel('API token');
    await expect(field.isVisible()).resolves.toBe(true);
    expect(await status()).toMatch(/Paste an API token/);
    const prompt = await browser.page.locator('#token-bar').boundingBox();
    const editor = await browser.page.locator('.graphiql-container').boundingBox();
    expect(prompt!.y + prompt!.height).toBeLessThanOrEqual(editor!.y + 1);
    // no request for the schema was made without a token, so nothing failed
    await browser.page.waitForTimeout(500);
    expect(await pageText()).not.toMatch(/error|UNAUTHENTICATED/i);
    expect(await readResponse()).toBe('');
    // the saved example operations are there as tabs
    expect(await tabTitles()).toEqual(['OpenIncidents', 'IncidentRCA', 'IncidentChanged']);
    await browser.screenshot('graphiql-token-prompt');

    // a refused token is said so, next to the field
    await field.fill('ih_not-a-real-token');
    await browser.page.getByRole('button', { name: 'Use token' }).click();
    await within(5000, status, (text) => /refused/.test(text), 'the refusal');
    expect(await pageText()).not.toMatch(/Error fetching schema/);

    // a VIEWER token: the schema loads without clicking anything else
    await field.fill(t.tokens.viewer);
    await browser.page.keyboard.press('Enter');
    await within(10_000, status, (text) => /Schema loaded/.test(text), 'the schema to load');
    expect(await status()).toContain(`${t.people.viewer.name} (VIEWER)`);
    await browser.page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = browser.page.locator('.graphiql-doc-explorer');
    await docs.getByText('Query', { exact: true }).click();
    await within(
      5000,
      () => docs.innerText(),
      (text) => ['incidents', 'incident', 'me', 'integrationHealth'].every((f) => text.includes(f)),
      'the Query fields in the docs',
    );
    expect(await pageText()).not.toMatch(/Error fetching schema/);
    await browser.screenshot('graphiql-schema-loaded');

    // kept for the tab: a reload loads the schema again without asking
    expect(await browser.page.evaluate(`sessionStorage.getItem('incident-hub:token')`)).toBe(t.tokens.viewer);
    await browser.page.reload();
    await within(10_000, status, (text) => /Schema loaded/.test(text), 'the schema after a reload');
    expect(browser.pageErrors).toEqual([]);
  });

  it('runs the example operations: open incidents, one incident for its RCA', async () => {
    const incident = await declare(t);
    await openGraphiQL(t.tokens.viewer);
    await within(10_000, status, (text) => /Schema loaded/.test(text), 'the schema to load');
    // the first tab, as shipped
    await browser.page.click('.graphiql-execute-button');
    const open = await within(10_000, response, (r) => r !== null, 'the open incidents');
    expect(open?.errors).toBeUndefined();
    expect(JSON.stringify(open?.data)).toContain(incident.key);

    await browser.page.locator('.graphiql-tab', { hasText: 'IncidentRCA' }).click();
    const example = await within(
      5000,
      () => browser.page.evaluate<string | null>(editorText('.graphiql-query-editor')),
      (text) => !!text?.includes('query IncidentRCA'),
      'the RCA example',
    );
    for (const field of [
      'timeToDetectSeconds',
      'timeToAcknowledgeSeconds',
      'timeToRecoverSeconds',
      'roles',
      'timeline',
    ]) {
      expect(example).toContain(field);
    }
    const rca = await t.ok<{ incident: Record<string, unknown> }>(
      example!.replace(/^#.*$/gm, ''),
      { key: incident.key },
      t.tokens.viewer,
    );
    expect(rca.incident).toMatchObject({ key: incident.key, detectedAt: expect.any(String) });

    await browser.page.locator('.graphiql-tab', { hasText: 'IncidentChanged' }).click();
    await within(
      5000,
      () => browser.page.evaluate<string | null>(editorText('.graphiql-query-editor')),
      (text) => !!text?.includes('subscription IncidentChanged'),
      'the subscription example',
    );
  });

  it('runs a query over HTTP with the token from the prompt', async () => {
    const incident = await declare(t);
    await openGraphiQL(t.tokens.viewer);
    const result = await run(LIST);
    expect(result).toEqual({
      data: {
        incidents: { totalCount: expect.any(Number), nodes: expect.arrayContaining([{ key: incident.key }]) },
      },
    });
    expect(browser.pageErrors).toEqual([]);
  });

  it('without a token a query shows UNAUTHENTICATED, and nothing of the schema', async () => {
    await openGraphiQL(null);
    const result = await run(LIST);
    expect(result?.data ?? null).toBeNull();
    expect(JSON.stringify(result?.errors)).toContain('UNAUTHENTICATED');
  });

  /** Replace the query editor's text as a user pasting it would. */
  async function typeQuery(query: string): Promise<void> {
    await browser.page.click('.graphiql-query-editor .CodeMirror');
    await browser.page.keyboard.press('ControlOrMeta+A');
    await browser.page.keyboard.insertText(query);
  }

  it('streams a subscription over graphql-ws, and nothing is loaded from outside the hub', async () => {
    const incident = await declare(t);
    await openGraphiQL(t.tokens.viewer);
    await run(LIST);
    await within(10_000, readResponse, (text) => !!text?.includes(incident.key), 'the query result');

    await typeQuery(SUBSCRIBE);
    // GraphiQL takes an edit in (stores it, re-parses it) 100 ms after the last keystroke
    await within(
      2000,
      () => browser.page.evaluate<string | null>(`localStorage.getItem('graphiql:query')`),
      (stored) => stored === SUBSCRIBE,
      'GraphiQL to take the subscription in',
    );
    expect(await browser.page.evaluate<string | null>(editorText('.graphiql-query-editor'))).toBe(SUBSCRIBE);
    const listening = t.hub.pubsub.listenerCount;
    await browser.page.click('.graphiql-execute-button');
    await within(
      5000,
      async () => t.hub.pubsub.listenerCount,
      (n) => n > listening,
      'the subscription to start',
    );

    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'INVESTIGATING' } });
    const result = await within(
      2000,
      response,
      (r) => !!r && 'data' in r && JSON.stringify(r).includes('INVESTIGATING'),
      'the change in the result pane',
    );
    expect(result).toEqual({ data: { incidentChanged: { key: incident.key, stage: 'INVESTIGATING' } } });

    const shot = await browser.screenshot('graphiql');
    expect(existsSync(shot) && statSync(shot).size > 1000).toBe(true);

    // everything came from the hub: the page, its scripts and styles, the API and the socket
    const wsUrl = t.url.replace(/^http/, 'ws');
    const outside = browser.requests.filter(
      (url) =>
        !url.startsWith(`${t.url}/`) &&
        !url.startsWith(`${wsUrl}/`) &&
        !url.startsWith('data:') &&
        !url.startsWith('blob:'),
    );
    expect(outside).toEqual([]);
    expect(browser.requests).toEqual(
      expect.arrayContaining([
        `${t.url}/graphql`,
        `${t.url}/assets/graphiql.min.js`,
        `${t.url}/assets/graphiql.min.css`,
        `${wsUrl}/graphql`,
      ]),
    );
    expect(browser.pageErrors).toEqual([]);
  });

  it('a subscription run straight after typing it goes over graphql-ws too', async () => {
    const incident = await declare(t);
    await openGraphiQL(t.tokens.viewer);
    const listening = t.hub.pubsub.listenerCount;
    // paste and run at once (Ctrl+Enter), before GraphiQL's 100 ms re-parse of the editor
    await typeQuery(SUBSCRIBE);
    await browser.page.keyboard.press('ControlOrMeta+Enter');
    const started = await within(
      2000,
      async () => ({ listeners: t.hub.pubsub.listenerCount, resultPane: await readResponse() }),
      (seen) => seen.listeners > listening,
      'the subscription to start',
    );
    expect(started.resultPane ?? '').toBe(''); // no error in the result pane

    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'INVESTIGATING' } });
    const result = await within(2000, response, (r) => r !== null, 'the change in the result pane');
    expect(result).toEqual({ data: { incidentChanged: { key: incident.key, stage: 'INVESTIGATING' } } });
  });
});
