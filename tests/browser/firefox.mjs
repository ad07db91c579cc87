// The Firefox side of the browser seam (lib.mjs): Debian's firefox-esr driven by puppeteer-core over
// WebDriver BiDi (Playwright drives only its own patched Firefox builds), behind the small part of
// Playwright's Page/Locator API the explorer and GAPP tests use, so each test runs unchanged in both browsers.
// Playwright's habits kept here: actions and reads wait for their element (30 s), `fill` replaces
// the value and fires `input`, nested locators are descendant selectors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

export const FIREFOX = process.env.CX_FIREFOX || '/usr/bin/firefox-esr';
const TIMEOUT_MS = 30000;
// Waits poll on a timer, not on animation frames: Firefox runs no frames in a window that is not in
// front, and a test moves between several parties' pages (each a window of its own context).
const POLL_MS = 100;

// Resolves when `selector` matches an element in `state` (attached | visible | hidden: absent or not
// visible), as Playwright's waitForSelector; to the element unless waiting for it to go.
async function waitSelector(raw, selector, state, timeout) {
  await raw.waitForFunction((sel, st) => {
    const el = document.querySelector(sel);
    const shown = !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    return st === 'hidden' ? !shown : st === 'visible' ? shown : !!el;
  }, { polling: POLL_MS, timeout }, selector, state);
  return state === 'hidden' ? null : raw.$(selector);
}

/** Headless firefox-esr with a fresh profile in a temporary directory (removed on close). */
export async function launchFirefox() {
  if (!fs.existsSync(FIREFOX)) throw new Error(`no Firefox at ${FIREFOX} (apt-get install firefox-esr, or set CX_FIREFOX)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    // No updates, telemetry or first-run pages in a test profile; animations off like reducedMotion.
    extraPrefsFirefox: {
      'app.update.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.enabled': false,
      'browser.shell.checkDefaultBrowser': false,
      'ui.prefersReducedMotion': 1,
    },
    env: { ...process.env, MOZ_HEADLESS: '1', MOZ_CRASHREPORTER_DISABLE: '1' },
  });
  return {
    kind: 'firefox',
    newContext: () => browser.createBrowserContext(),
    close: async () => {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page in its own browser context, with `errors` collected as lib.mjs's newPage does for Chromium. */
export async function newFirefoxPage(browser, { width, height }) {
  const context = await browser.newContext();
  const raw = await context.newPage();
  await raw.setViewport({ width, height });
  raw.setDefaultTimeout(TIMEOUT_MS);
  const page = new Page(raw, context);
  raw.on('pageerror', (e) => page.errors.push(e.message));
  raw.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`console: ${m.text()}`);
  });
  return page;
}

class Locator {
  // `last`: reads and actions take the last match (Playwright's .last()); otherwise the first.
  constructor(page, selector, last = false) {
    this.page = page;
    this.selector = selector;
    this.last_ = last;
  }
  locator(sub) { return new Locator(this.page, `${this.selector} ${sub}`); }
  first() { return new Locator(this.page, this.selector, false); }
  last() { return new Locator(this.page, this.selector, true); }
  async element() {
    const one = await waitSelector(this.page.raw, this.selector, 'attached', TIMEOUT_MS);
    if (!this.last_) return one;
    const all = await this.page.raw.$$(this.selector);
    return all[all.length - 1] || one;
  }
  // Runs `fn` on the element; when the page replaced it meanwhile (a redraw), finds it again, as
  // Playwright's locators do.
  async withElement(fn) {
    const end = Date.now() + TIMEOUT_MS;
    for (;;) {
      try {
        return await fn(await this.element());
      } catch (e) {
        if (!/detached|stale|no such node/i.test(e.message) || Date.now() > end) throw e;
      }
    }
  }
  innerText() { return this.withElement((el) => el.evaluate((e) => e.innerText)); }
  getAttribute(name) { return this.withElement((el) => el.evaluate((e, n) => e.getAttribute(n), name)); }
  async allInnerTexts() { return this.page.raw.$$eval(this.selector, (els) => els.map((e) => e.innerText)); }
  async count() { return (await this.page.raw.$$(this.selector)).length; }
  async waitFor(opts = {}) { await waitSelector(this.page.raw, this.selector, 'visible', opts.timeout ?? TIMEOUT_MS); }
  click() { return this.withElement((el) => el.click()); }
  fill(value) {
    return this.withElement((el) => el.evaluate((e, v) => {
      e.focus();
      e.value = v;
      e.dispatchEvent(new Event('input', { bubbles: true }));
      e.dispatchEvent(new Event('change', { bubbles: true }));
    }, value));
  }
  // A <select>'s option by value, with the input and change events a person's choice fires.
  async selectOption(value) {
    const got = await this.withElement((el) => el.select(value));
    if (!got.includes(value)) throw new Error(`${this.selector} has no option ${value}`);
  }
  setInputFiles(file) { return this.withElement((el) => el.uploadFile(file)); }
  async evaluateAll(fn) { return this.page.raw.$$eval(this.selector, fn); }
}

class Page {
  constructor(raw, context) {
    this.raw = raw;
    this.ctx = context;
    this.errors = [];
    // Playwright's key names, with its 'Shift+Tab' chords.
    this.keyboard = {
      type: (text) => raw.keyboard.type(text),
      press: async (key) => {
        const keys = key.length > 1 ? key.split('+') : [key];
        for (const k of keys.slice(0, -1)) await raw.keyboard.down(k);
        await raw.keyboard.press(keys[keys.length - 1]);
        for (const k of keys.slice(0, -1).reverse()) await raw.keyboard.up(k);
      },
    };
  }
  goto(url) { return this.raw.goto(url); }
  url() { return this.raw.url(); }
  locator(selector) { return new Locator(this, selector); }
  waitForSelector(selector, opts = {}) {
    return waitSelector(this.raw, selector, opts.state === 'detached' ? 'hidden' : 'attached', opts.timeout ?? TIMEOUT_MS);
  }
  // Requests as Playwright shows them, url() and postData(). Over BiDi the body is not on the event:
  // it is fetched from the browser's network data collector (network.getData) first, so `fn` hears
  // each request once its body is known; a body that cannot be read is reported as an error.
  on(event, fn) {
    if (event !== 'request') throw new Error(`the Firefox page shim forwards only 'request' events, not '${event}'`);
    this.raw.on('request', (r) => {
      const url = r.url();
      const body = r.hasPostData() ? r.fetchPostData() : Promise.resolve(undefined);
      body.then((b) => fn({ url: () => url, postData: () => b ?? null }),
        (e) => this.errors.push(`request body of ${url}: ${e.message}`));
    });
  }
  evaluate(fn, arg) { return this.raw.evaluate(fn, arg); }
  waitForFunction(fn, arg) { return this.raw.waitForFunction(fn, { polling: POLL_MS, timeout: TIMEOUT_MS }, arg); }
  // Same-document (hash) navigations included: the page's own location is read.
  waitForURL(re, opts = {}) {
    return this.raw.waitForFunction((src, flags) => new RegExp(src, flags).test(window.location.href),
      { polling: POLL_MS, timeout: opts.timeout ?? TIMEOUT_MS }, re.source, re.flags);
  }
  fill(selector, value) { return this.locator(selector).fill(value); }
  click(selector) { return this.locator(selector).click(); }
  selectOption(selector, value) { return this.locator(selector).selectOption(value); }
  setInputFiles(selector, file) { return this.locator(selector).setInputFiles(file); }
  async focus(selector) {
    await this.locator(selector).element();
    await this.raw.focus(selector);
  }
  async press(selector, key) {
    await this.focus(selector);
    await this.raw.keyboard.press(key);
  }
  screenshot(opts) { return this.raw.screenshot(opts); }
  setViewportSize(size) { return this.raw.setViewport(size); }
  context() { return { close: () => this.ctx.close() }; }
}
