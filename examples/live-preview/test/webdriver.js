// A small W3C WebDriver client for test/browser.js: HTTP to Debian's chromedriver with Node's
// global fetch (Node.js 18 and later), no npm package. Only what the test uses: a chromedriver
// process, one session (one browser, one profile) per user, and a page object with
// goto/fill/press/click/evaluate/textContent/inputValue/isVisible/isDisabled/count/screenshot,
// named after playwright's. Selectors are CSS; actions wait for their element like playwright's.
//
//   const driver = await startChromedriver();               // CHROMEDRIVER overrides the binary
//   const page = await driver.newPage({ width: 1280, height: 640 });
//   await page.goto(url); await page.fill('#name', 'x'); await page.press('#name', 'Enter');
//   ...; await driver.close();
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

// --hide-scrollbars as playwright's headless Chromium has it: the screenshots show no scrollbar.
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars'];
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf'; // the W3C element reference key
const KEYS = { Enter: '\uE007' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

// One WebDriver command; returns `value`, throws WebDriver errors as Error (with .error set).
async function command(base, method, url, body) {
  const response = await fetch(base + url, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const reply = await response.json();
  if (!response.ok || (reply.value && reply.value.error)) {
    const error = new Error(`${method} ${url}: ${reply.value.error}: ${String(reply.value.message).split('\n')[0]}`);
    error.error = reply.value.error;
    throw error;
  }
  return reply.value;
}

async function startChromedriver({ binary = process.env.CHROMEDRIVER || '/usr/bin/chromedriver',
  chromium = process.env.CHROMIUM || '/usr/bin/chromium' } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // A process group of its own, with the browsers it starts: ended as a whole on close, and when
  // this process exits without closing (a crash, process.exit), so no browser is left behind.
  const child = spawn(binary, [`--port=${port}`], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  // The browsers' profiles, one folder each, in one temporary folder removed with them.
  const profiles = fs.mkdtempSync(path.join(os.tmpdir(), 'live-preview-chromium-'));
  const killGroup = () => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch (error) { /* gone */ }
    fs.rmSync(profiles, { recursive: true, force: true });
  };
  process.on('exit', killGroup);
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  let exited = null;
  child.on('exit', (code, signal) => { exited = signal || code; });
  for (const deadline = Date.now() + 20000; ;) {
    if (exited !== null) throw new Error(`chromedriver exited (${exited}): ${stderr}`);
    try { if ((await command(base, 'GET', '/status')).ready) break; } catch (error) { /* not up yet */ }
    if (Date.now() > deadline) { killGroup(); throw new Error(`chromedriver did not start: ${stderr}`); }
    await sleep(50);
  }
  const pages = [];
  return {
    // A new session: a browser of its own with a fresh profile (like a playwright context),
    // whose viewport is width x height.
    async newPage(viewport = { width: 1280, height: 640 }) {
      const profile = fs.mkdtempSync(path.join(profiles, 'profile-'));
      const created = await command(base, 'POST', '/session', { capabilities: { alwaysMatch: {
        browserName: 'chrome',
        'goog:chromeOptions': { binary: chromium, args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`,
          `--window-size=${viewport.width},${viewport.height}`] },
        'goog:loggingPrefs': { browser: 'ALL' }, // the page's console, for uncaught errors
      } } });
      const page = new Page(`${base}/session/${created.sessionId}`, profile);
      pages.push(page);
      await page.setViewport(viewport);
      return page;
    },
    async close() {
      for (const page of pages) await page.close().catch(() => {});
      killGroup();
      process.removeListener('exit', killGroup);
    },
  };
}

class Page {
  constructor(session, profile) {
    this.session = session;
    this.profile = profile;
    this.closed = false;
  }

  cmd(method, url, body) { return command(this.session, method, url, body); }

  // Runs fn(arg) in the page (fn's source is sent, as with playwright's evaluate) and returns
  // its result, awaited if it is a promise.
  evaluate(fn, arg) {
    return this.cmd('POST', '/execute/sync', { script: `return (${fn}).apply(null, arguments);`, args: arg === undefined ? [] : [arg] });
  }

  // The window resized until the page's viewport (innerWidth x innerHeight) is the one asked for.
  async setViewport({ width, height }) {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const inner = await this.evaluate(() => [window.innerWidth, window.innerHeight]);
      if (inner[0] === width && inner[1] === height) return;
      const rect = await this.cmd('GET', '/window/rect');
      await this.cmd('POST', '/window/rect', { width: rect.width + width - inner[0], height: rect.height + height - inner[1] });
    }
    const inner = await this.evaluate(() => [window.innerWidth, window.innerHeight]);
    if (inner[0] !== width || inner[1] !== height) throw new Error(`viewport ${inner} instead of ${width}x${height}`);
  }

  goto(url) { return this.cmd('POST', '/url', { url }); }

  // Polls until fn(...) returns without throwing and accept(result) holds; throws the last error.
  async retry(what, fn, timeout = 5000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      try { return await fn(); } catch (error) {
        if (Date.now() > deadline) throw new Error(`${what}: ${error.message}`);
      }
      await sleep(25);
    }
  }

  // The first element matching selector, once it is attached, visible and enabled (playwright's
  // actionability checks for fill, press and click), scrolled into view only as far as needed
  // (as playwright does; WebDriver's own scrolling, when the element is not in view, goes
  // further and would change what the screenshots show).
  actionable(selector) {
    return this.retry(selector, async () => {
      const element = await this.cmd('POST', '/element', { using: 'css selector', value: selector });
      const state = await this.evaluate((e) => {
        e.scrollIntoView({ block: 'nearest', inline: 'nearest' });
        const box = e.getBoundingClientRect();
        return { visible: box.width > 0 && box.height > 0 && getComputedStyle(e).visibility !== 'hidden', disabled: e.matches(':disabled') };
      }, element);
      if (!state.visible) throw new Error('not visible');
      if (state.disabled) throw new Error('disabled');
      return element[ELEMENT];
    });
  }

  // Replaces an input's value by typing (real key events, as a user would; no change event until
  // the field loses focus): focus, select all, type.
  async fill(selector, value) {
    const id = await this.actionable(selector);
    await this.evaluate((e) => { e.focus(); e.select(); }, { [ELEMENT]: id });
    await this.cmd('POST', `/element/${id}/value`, { text: value });
  }

  async press(selector, key) {
    const id = await this.actionable(selector);
    await this.cmd('POST', `/element/${id}/value`, { text: KEYS[key] || key });
  }

  // Clicks the element's centre; retried while something covers it or it is not yet there.
  async click(selector) {
    await this.retry(`click ${selector}`, async () => {
      const id = await this.actionable(selector);
      await this.cmd('POST', `/element/${id}/click`, {});
    });
  }

  // What the first element matching selector has (its textContent, value or whether it is
  // disabled); throws when none matches, and the callers below retry for a second, as
  // playwright's locators wait.
  first(selector, what) {
    return this.evaluate(([s, w]) => {
      const e = document.querySelector(s);
      if (!e) throw new Error(`no element matches ${s}`);
      return w === 'disabled' ? e.matches(':disabled') : e[w];
    }, [selector, what]);
  }
  textContent(selector) { return this.retry(selector, () => this.first(selector, 'textContent'), 1000); }
  inputValue(selector) { return this.retry(selector, () => this.first(selector, 'value'), 1000); }
  isDisabled(selector) { return this.retry(selector, () => this.first(selector, 'disabled'), 1000); }
  isVisible(selector) {
    return this.evaluate((s) => {
      const e = document.querySelector(s);
      if (!e) return false;
      const box = e.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && getComputedStyle(e).visibility !== 'hidden';
    }, selector);
  }
  count(selector) { return this.evaluate((s) => document.querySelectorAll(s).length, selector); }

  // Uncaught errors in the page since the last call (from the browser's console log).
  async pageErrors() {
    const entries = await this.cmd('POST', '/se/log', { type: 'browser' });
    return entries.filter((e) => /\bUncaught\b/.test(e.message)).map((e) => e.message);
  }

  // A PNG of the viewport, or of clip ({ x, y, width, height } in CSS pixels), written to file.
  async screenshot({ path: file, clip }) {
    let data;
    if (clip) {
      // W3C WebDriver has no clipped screenshot: chromedriver's DevTools pass-through has one.
      data = (await this.cmd('POST', '/goog/cdp/execute', { cmd: 'Page.captureScreenshot',
        params: { format: 'png', clip: { ...clip, scale: 1 } } })).data;
    } else {
      data = await this.cmd('GET', '/screenshot');
    }
    fs.writeFileSync(file, Buffer.from(data, 'base64'));
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    try { await this.cmd('DELETE', ''); } finally { fs.rmSync(this.profile, { recursive: true, force: true }); }
  }
}

module.exports = { startChromedriver, CHROMIUM_FLAGS };
