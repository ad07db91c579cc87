// The Firefox side of the browser seam (lib.mjs): Debian's firefox-esr driven by puppeteer-core over
// WebDriver BiDi (Playwright drives only its own patched Firefox builds), behind the small part of
// Playwright's Page/Locator API the explorer tests use, so each test runs unchanged in both browsers.
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
  constructor(page, selector) {
    this.page = page;
    this.selector = selector;
  }
  locator(sub) { return new Locator(this.page, `${this.selector} ${sub}`); }
  first() { return this; }  // reads take the first match, like querySelector
  async element() { return this.page.raw.waitForSelector(this.selector, { timeout: TIMEOUT_MS }); }
  async innerText() { return (await this.element()).evaluate((e) => e.innerText); }
  async count() { return (await this.page.raw.$$(this.selector)).length; }
  async waitFor() { await this.page.raw.waitForSelector(this.selector, { visible: true, timeout: TIMEOUT_MS }); }
  async click() { await (await this.element()).click(); }
  async fill(value) {
    await (await this.element()).evaluate((e, v) => {
      e.focus();
      e.value = v;
      e.dispatchEvent(new Event('input', { bubbles: true }));
      e.dispatchEvent(new Event('change', { bubbles: true }));
    }, value);
  }
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
  evaluate(fn, arg) { return this.raw.evaluate(fn, arg); }
  waitForFunction(fn, arg) { return this.raw.waitForFunction(fn, { timeout: TIMEOUT_MS }, arg); }
  // Same-document (hash) navigations included: the page's own location is read.
  waitForURL(re) {
    return this.raw.waitForFunction((src, flags) => new RegExp(src, flags).test(window.location.href),
      { timeout: TIMEOUT_MS }, re.source, re.flags);
  }
  fill(selector, value) { return this.locator(selector).fill(value); }
  click(selector) { return this.locator(selector).click(); }
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
