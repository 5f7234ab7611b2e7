// GraphiQL in a real browser: the hub's page at /graphql runs queries over HTTP and subscriptions
// over graphql-ws with the token from the Headers tab, loading nothing from outside the hub.
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

  const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';
  /** The Headers tab's text (opening the tab if it is closed). */
  const headersTab = async (): Promise<string | null> => {
    if (!(await browser.page.locator(HEADERS_EDITOR).isVisible())) {
      await browser.page.getByRole('button', { name: 'Headers' }).click();
    }
    return browser.page.evaluate<string | null>(editorText(HEADERS_EDITOR));
  };

  /** Open GraphiQL with the headers and query a user would have left in it (persisted headers). */
  async function openGraphiQL(token: string, query: string): Promise<void> {
    const headers = JSON.stringify({ Authorization: `Bearer ${token}` });
    await browser.page.addInitScript({
      content: `localStorage.setItem('graphiql:headers', ${JSON.stringify(headers)});
        localStorage.setItem('graphiql:query', ${JSON.stringify(query)});`,
    });
    const res = await browser.page.goto(`${t.url}/graphql`);
    expect(res?.headers()['content-type']).toMatch(/^text\/html/);
    await browser.page.locator('.graphiql-execute-button').waitFor({ timeout: 10_000 });
  }

  it('runs a query over HTTP with the token from the Headers tab', async () => {
    const incident = await declare(t);
    await openGraphiQL(t.tokens.viewer, LIST);
    // the persisted headers are in the Headers tab
    await within(
      5000,
      headersTab,
      (text) => !!text?.includes(`Bearer ${t.tokens.viewer}`),
      'the token in the Headers tab',
    );

    await browser.page.click('.graphiql-execute-button');
    const result = await within(10_000, response, (r) => r !== null, 'a response');
    expect(result).toEqual({
      data: { incidents: { totalCount: 1, nodes: [{ key: incident.key }] } },
    });
    expect(browser.pageErrors).toEqual([]);
  });

  it('keeps headers typed into the Headers tab across a reload (shouldPersistHeaders)', async () => {
    const incident = await declare(t);
    await browser.page.goto(`${t.url}/graphql`);
    await browser.page.locator('.graphiql-execute-button').waitFor({ timeout: 10_000 });
    const placeholder = await within(5000, headersTab, (text) => !!text, 'the default headers');
    expect(JSON.parse(placeholder!)).toEqual({ Authorization: 'Bearer <your token>' });

    await browser.page.click(`${HEADERS_EDITOR} .CodeMirror`);
    await browser.page.keyboard.press('ControlOrMeta+A');
    await browser.page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${t.tokens.viewer}` }));
    await within(
      2000,
      () => browser.page.evaluate<string | null>(`localStorage.getItem('graphiql:headers')`),
      (stored) => !!stored?.includes(t.tokens.viewer),
      'the headers in localStorage',
    );

    await browser.page.reload();
    await browser.page.locator('.graphiql-execute-button').waitFor({ timeout: 10_000 });
    await within(
      5000,
      headersTab,
      (text) => !!text?.includes(`Bearer ${t.tokens.viewer}`),
      'the token in the Headers tab after reloading',
    );
    // the default query lists open incidents
    await browser.page.click('.graphiql-execute-button');
    const result = await within(10_000, response, (r) => r !== null, 'a response');
    expect(result?.errors).toBeUndefined();
    expect(JSON.stringify(result?.data)).toContain(incident.key);
  });

  it('with a refused token the query shows UNAUTHENTICATED', async () => {
    await openGraphiQL('not-a-real-token', LIST);
    await browser.page.click('.graphiql-execute-button');
    const result = await within(10_000, response, (r) => r !== null, 'a response');
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
    await openGraphiQL(t.tokens.viewer, LIST);
    await browser.page.click('.graphiql-execute-button');
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
    await openGraphiQL(t.tokens.viewer, LIST);
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
