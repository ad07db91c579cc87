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
    const one = await this.page.raw.waitForSelector(this.selector, { timeout: TIMEOUT_MS });
    if (!this.last_) return one;
    const all = await this.page.raw.$$(this.selector);
    return all[all.length - 1] || one;
  }
  async innerText() { return (await this.element()).evaluate((e) => e.innerText); }
  async getAttribute(name) { return (await this.element()).evaluate((e, n) => e.getAttribute(n), name); }
  async allInnerTexts() { return this.page.raw.$$eval(this.selector, (els) => els.map((e) => e.innerText)); }
  async count() { return (await this.page.raw.$$(this.selector)).length; }
  async waitFor(opts = {}) { await this.page.raw.waitForSelector(this.selector, { visible: true, timeout: opts.timeout ?? TIMEOUT_MS }); }
  async click() { await (await this.element()).click(); }
  async fill(value) {
    await (await this.element()).evaluate((e, v) => {
      e.focus();
      e.value = v;
      e.dispatchEvent(new Event('input', { bubbles: true }));
      e.dispatchEvent(new Event('change', { bubbles: true }));
    }, value);
  }
  // A <select>'s option by value, with the input and change events a person's choice fires.
  async selectOption(value) {
    const got = await (await this.element()).select(value);
    if (!got.includes(value)) throw new Error(`${this.selector} has no option ${value}`);
  }
  async setInputFiles(file) { await (await this.element()).uploadFile(file); }
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
    return this.raw.waitForSelector(selector, { timeout: opts.timeout ?? TIMEOUT_MS, hidden: opts.state === 'detached' });
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
  waitForFunction(fn, arg) { return this.raw.waitForFunction(fn, { timeout: TIMEOUT_MS }, arg); }
  // Same-document (hash) navigations included: the page's own location is read.
  waitForURL(re, opts = {}) {
    return this.raw.waitForFunction((src, flags) => new RegExp(src, flags).test(window.location.href),
      { timeout: opts.timeout ?? TIMEOUT_MS }, re.source, re.flags);
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
  context() { return { close: () => this.ctx.close() }; }
}
