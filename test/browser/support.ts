// Browser tests: Debian's chromium driven by playwright-core, one browser per test file and a fresh
// context (cookies, storage) per test. Without chromium the suites are skipped, saying why.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { waitFor } from '../support/wait-for';

/** Debian's chromium (apt-get install chromium); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Git-ignored; screenshots are for people looking at a run, not compared by the tests. */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-output', 'screenshots');

export interface BrowserFixture {
  /** The page of the current test (in its own context). */
  readonly page: Page;
  readonly context: BrowserContext;
  /** Every URL the current test's pages requested (including WebSocket upgrades), in order. */
  readonly requests: string[];
  /** Uncaught exceptions thrown in the current test's pages. */
  readonly pageErrors: string[];
  /** Save a full-page screenshot as test-output/screenshots/<name>.png; resolves to the path. */
  screenshot(name: string): Promise<string>;
}

/**
 * A describe block whose tests get a browser (see BrowserFixture); skipped, with a printed reason,
 * when chromium is not installed.
 */
export function describeBrowser(name: string, body: (browser: BrowserFixture) => void): void {
  if (!existsSync(CHROMIUM_PATH)) {
    process.stdout.write(`browser tests skipped: ${CHROMIUM_PATH} not found (apt-get install chromium)\n`);
    describe.skip(name, () => body(unavailable()));
    return;
  }
  describe(name, () => {
    let browser: Browser | undefined;
    let context: BrowserContext | undefined;
    let page: Page | undefined;
    let requests: string[] = [];
    let pageErrors: string[] = [];

    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
    });
    afterAll(async () => {
      await browser?.close();
    });
    beforeEach(async () => {
      if (!browser) throw new Error('chromium did not start');
      requests = [];
      pageErrors = [];
      context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      context.on('request', (request) => requests.push(request.url()));
      context.on('page', (p) => watch(p));
      page = await context.newPage();
      watch(page);
    });
    afterEach(async () => {
      await context?.close();
      context = undefined;
      page = undefined;
    });

    const watched = new WeakSet<Page>();
    function watch(p: Page): void {
      if (watched.has(p)) return;
      watched.add(p);
      p.on('websocket', (ws) => requests.push(ws.url()));
      p.on('pageerror', (err) => pageErrors.push(err.message));
    }

    body({
      get page() {
        if (!page) throw new Error('no page outside a test');
        return page;
      },
      get context() {
        if (!context) throw new Error('no browser context outside a test');
        return context;
      },
      get requests() {
        return requests;
      },
      get pageErrors() {
        return pageErrors;
      },
      async screenshot(file) {
        if (!page) throw new Error('no page outside a test');
        mkdirSync(SCREENSHOT_DIR, { recursive: true });
        const path = join(SCREENSHOT_DIR, `${file}.png`);
        await page.screenshot({ path, fullPage: true });
        return path;
      },
    });
  });
}

function unavailable(): BrowserFixture {
  const fail = (): never => {
    throw new Error(`${CHROMIUM_PATH} not found`);
  };
  return {
    get page() {
      return fail();
    },
    get context() {
      return fail();
    },
    requests: [],
    pageErrors: [],
    screenshot: async () => fail(),
  };
}

/**
 * Poll `probe` until `accept` holds, for at most `ms` counted from the call, so the deadline can
 * start the moment a mutation returned. Fails with `what` and the last value seen, and also when
 * the value only came after the deadline (a slow last probe).
 */
export async function within<T>(
  ms: number,
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
): Promise<T> {
  const started = Date.now();
  const value = await waitFor(`${what} (within ${ms} ms)`, probe, accept, {
    timeoutMs: ms,
    intervalMs: 25,
  });
  const elapsed = Date.now() - started;
  if (elapsed > ms) {
    throw new Error(
      `${what}: not within ${ms} ms (waited ${elapsed} ms); last seen: ${JSON.stringify(value, null, 2)}`,
    );
  }
  return value;
}
