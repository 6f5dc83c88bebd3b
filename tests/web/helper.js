// helper.js: starts `ducha serve` on a temporary demo database and Debian's Chromium (driven by
// playwright-core; no browser is ever downloaded), and watches every page for console errors and
// server errors. Screenshots go to tests/web/artifacts/.
import { spawn, execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, mkdirSync, rmSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import net from 'node:net'
import { chromium } from 'playwright-core'
import assert from 'node:assert/strict'
import { afterEach, beforeEach } from 'node:test'

const here = dirname(fileURLToPath(import.meta.url))
export const ROOT = join(here, '..', '..')
export const BIN = process.env.DUCHA_BIN || join(ROOT, 'build', 'ducha')
export const WEB = process.env.DUCHA_WEB || join(ROOT, 'web', 'dist')
export const ARTIFACTS = join(here, 'artifacts')
export const PASSWORD = 'Demo2026'
// the server's dates are Beijing dates (UTC+8): from 16:00 to 24:00 UTC its today is the UTC tomorrow, so
// dates are counted from the Beijing date, never from the machine's (UTC) one
export const inDays = (n) => new Date(Date.now() + 8 * 3600000 + n * 86400000).toISOString().slice(0, 10)
// the cheapest argon2id for the demo users (README: password_hash_cost; tested at the default cost in
// tests/api/test_password_cost.py): each `ducha demo` hashes every demo account, each sign-in verifies one
process.env.DUCHA_PASSWORD_HASH_COST ??= 'minimal'
mkdirSync(ARTIFACTS, { recursive: true })

// A port nobody listens on, below the range the kernel hands out for port 0 and for outgoing connections
// (ip_local_port_range), as tests/api/conftest.py's free_port: the API tests' sinks (port 0) never take it
// between this check and the server's bind
const LOCAL_LOW = (() => {
  try { return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]) || 32768 } catch { return 32768 }
})()
function tryPort(port) {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}
async function freePort() {
  for (let i = 0; i < 200; i++) {
    const port = 10000 + Math.floor(Math.random() * Math.max(LOCAL_LOW - 10000, 1))
    if (await tryPort(port)) return port
  }
  throw new Error(`no free port below ${LOCAL_LOW}`)
}

// The demo data made once for the whole suite: `make test-web` runs `ducha demo` in the directory
// DUCHA_WEB_TEMPLATE names (demo.db and the ./data the demo writes: its keys and evidence files), and each
// server starts on a copy of that directory (its start checks the migrations as on any database). A test
// run alone, or on a Beijing day after the one the template was made on (the demo's dates count from its
// day: a suite that crosses 16:00 UTC), makes the demo data itself, as before.
const TEMPLATE = process.env.DUCHA_WEB_TEMPLATE
const beijingDay = (ms) => new Date(ms + 8 * 3600000).toISOString().slice(0, 10)
function templateOfToday() {
  if (!TEMPLATE) return null
  return beijingDay(statSync(join(TEMPLATE, 'demo.db')).mtimeMs) === beijingDay(Date.now()) ? TEMPLATE : null
}

// A server on a fresh copy of the demo data. stop() ends it and removes its files. args: more arguments
// of `ducha serve` (['--test-clock'] for PUT /api/v1/admin/clock).
export async function startServer(args = []) {
  const dir = mkdtempSync(join(tmpdir(), 'ducha-web-'))
  const db = join(dir, 'demo.db')
  // cwd: the temporary directory, so that data_dir (./data: attachments, archives, secret.key) is there too
  const template = templateOfToday()
  if (template) cpSync(template, dir, { recursive: true })
  else execFileSync(BIN, ['demo', '--db', db], { stdio: 'pipe', timeout: 120000, cwd: dir })
  // the free port is free when freePort closes it, not necessarily when ducha binds it (other suites run
  // on this machine): if another process took it meanwhile, start again on another one
  let port, url, proc, out
  for (let attempt = 0; ; attempt++) {
    port = await freePort()
    url = `http://127.0.0.1:${port}`
    out = ''
    proc = spawn(BIN, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--web', WEB, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir })
    proc.stdout.on('data', (d) => { out += d })
    proc.stderr.on('data', (d) => { out += d })
    // 'close': the process ended and its output is read to the end (the reason is on its last line)
    const closed = new Promise((r) => proc.once('close', r))
    let ready = false
    // a generous deadline on a loaded machine; never carry on with a server that is not ready
    for (const end = Date.now() + 60000; !ready && proc.exitCode === null && Date.now() < end;) {
      try {
        const r = await fetch(url + '/api/v1/health')
        ready = r.ok && (await r.json()).status !== undefined
      } catch { /* not yet */ }
      if (!ready) await new Promise((r) => setTimeout(r, 100))
    }
    if (ready && proc.exitCode === null) break
    if (proc.exitCode === null) proc.kill('SIGKILL')
    await closed
    if (!/Address already in use/.test(out) || attempt >= 4) throw new Error('ducha serve did not start: ' + out)
  }
  // the scheduler's first pass (src/sched/sched.c always logs its line) does what the start date brings: the
  // demo data's reminders and ladder steps, with their to-dos and messages. A test that counts them while it
  // runs would see them change under it, at random: the server is handed over once that pass is done (as
  // tests/api/conftest.py's Server does)
  const off = ['false', '0', 'no', 'off']
  if (!off.includes((process.env.DUCHA_SCHEDULER || 'true').toLowerCase()) &&
      ['debug', 'info'].includes(process.env.DUCHA_LOG_LEVEL || 'info')) {
    for (const end = Date.now() + 30000; !/scheduler pass/.test(out) && proc.exitCode === null && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  return {
    url, db, dir,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM')
        await new Promise((r) => { proc.once('exit', r); setTimeout(r, 5000) })
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function startBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=zh-CN'],
  })
}

// Browser contexts, and their pages, are kept for this file's later tests. A fresh context is a cold browser: it
// reads, compiles and runs the app's scripts and styles anew, about three CPU seconds on this machine, where a page in
// a context that has loaded them once costs a third of that (the browser suite was most of `make test`'s CPU). A new
// page in a warm context is a new renderer process, cold again (4.7 CPU seconds for a new page and its first screen,
// 1.6 for the same screen in a page that had shown the app before): so a page a test is done with is parked on
// about:blank, its listeners and routes dropped, and handed to the next test that asks for a page in that context.
// A kept context is handed to a later test empty: its pages parked, its cookies, local and session storage and
// IndexedDB cleared (nobody signed in, no saved filter, no language chosen), its routes, permissions and geolocation
// dropped; only the browser's cache of the app's files stays. A context serves one test at a time: it is free again
// when that test ends, or when the test gives it back (release). A page whose test added a script to every document
// (addInitScript, exposeFunction) cannot be emptied of it and is closed instead.
const kept = []
let running = null // the test now running (null: a before hook, whose contexts serve the whole file)
beforeEach((t) => { running = t })

// Empties a page for a later test: storage of its document cleared, the app unloaded (its polling stops), nothing of
// the test's left on it; closes it when that cannot be done.
async function park(k, page) {
  if (page.isClosed() || k.free.includes(page)) return
  // a page the app opened (no newPage of ours), or one a script was added to
  if (!page.ducha || page.ducha.noReuse) return page.close().catch(() => {})
  try {
    page.removeAllListeners()
    await page.unrouteAll({ behavior: 'ignoreErrors' })
    await page.evaluate(() => { try { sessionStorage.clear() } catch { /* about:blank */ } })
    await page.goto('about:blank')
    const v = page.viewportSize()
    if (v?.width !== k.viewport.width || v?.height !== k.viewport.height) await page.setViewportSize(k.viewport)
    k.free.push(page)
  } catch {
    await page.close().catch(() => {})
  }
}

async function parkAll(k) {
  for (const p of k.context.pages()) await park(k, p)
}

async function keptContext(browser, server, viewport) {
  const key = `${server.url} ${viewport.width}x${viewport.height}`
  let k = kept.find((x) => x.browser === browser && x.key === key && !x.owner)
  if (k) {
    const ctx = k.context
    await parkAll(k)
    await ctx.unrouteAll({ behavior: 'ignoreErrors' })
    await ctx.setStorageState({ cookies: [], origins: [] })
    await ctx.clearPermissions()
    await ctx.setGeolocation(null)
    await ctx.setOffline(false)
  } else {
    // reducedMotion: the pages as for a user who asked for less motion — no transitions, charts drawn at once
    // (style.css, Chart.vue): the suite's browsers spent their CPU drawing animation frames nobody looked at
    const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: server.url,
      reducedMotion: 'reduce' })
    k = { browser, key, context, viewport, free: [] }
    kept.push(k)
    context.on('close', () => { const i = kept.indexOf(k); if (i >= 0) kept.splice(i, 1) })
  }
  k.owner = running || 'file'
  return k
}

// Gives a page's context back for the next page (its pages parked); the page is not used after this.
export async function release(page) {
  const k = kept.find((x) => x.context === page.context())
  if (!k) return page.context().close()
  await parkAll(k)
  k.owner = null
}

// A new browser context and page that records console errors and warnings (Element Plus's
// deprecations, the date picker's complaints), uncaught exceptions, 5xx replies, and every API
// route the server does not have (404 "接口 … 不存在": a test fails, never skips, when an API it needs
// is missing). 4xx replies are expected in refusal tests (the app shows their message); Chromium
// logs each as "Failed to load resource", which is therefore not counted.
export async function newPage(browser, server, viewport = { width: 1366, height: 768 }) {
  const k = await keptContext(browser, server, viewport)
  let page = k.free.pop()
  while (page?.isClosed()) page = k.free.pop()
  if (!page) {
    page = await k.context.newPage()
    for (const name of ['addInitScript', 'exposeFunction', 'exposeBinding']) {
      const f = page[name].bind(page)
      page[name] = (...a) => { page.ducha.noReuse = true; return f(...a) }
    }
  }
  page.ducha = { noReuse: page.ducha?.noReuse || false }
  page.errors = []
  page.console = []
  watchForFailure(page)
  page.on('console', (m) => {
    const text = m.text()
    page.console.push(`${m.type()}: ${text}`)
    if (m.type() !== 'error' && m.type() !== 'warning') return
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return
    page.errors.push(`console ${m.type()}: ${text}`)
  })
  page.on('pageerror', (e) => page.errors.push('pageerror: ' + e.message))
  page.on('response', async (r) => {
    if (r.status() >= 500) page.errors.push(`HTTP ${r.status()} ${r.url()}`)
    if (r.status() === 404 && new URL(r.url()).pathname.startsWith('/api/')) {
      const body = await r.json().catch(() => null)
      if (/^接口 /.test(body?.error?.message || '')) page.errors.push(`missing API: ${r.request().method()} ${r.url()}`)
    }
  })
  // how long a step may wait for the page: a generous bound, never a measure (a test waits for what it needs
  // and goes on at once); 15 s ran out on a loaded machine before a page had drawn what the server sent
  page.setDefaultTimeout(60000)
  return page
}

// What a failed test leaves behind, to find why it failed when it fails only inside the whole suite on a loaded
// machine: every page the test opened (newPage) is kept until the test ends; if the test failed, each one still
// open is saved as artifacts/failed-<test>-<n>.png, and its address, the requests still unanswered (how long they
// have waited), its last 30 answers from the server (status, time taken) and its last 30 console lines go to
// artifacts/failed-<test>-<n>.txt and to the test's output.
const openPages = new Set()
function watchForFailure(page) {
  openPages.add(page)
  page.pending = new Map()
  page.answers = []
  const t0 = Date.now()
  page.on('request', (r) => page.pending.set(r, Date.now()))
  const settle = (r, what) => {
    const since = page.pending.get(r)
    page.pending.delete(r)
    const url = r.url()
    if (!/\/api\//.test(url)) return
    page.answers.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${r.method()} ${url.replace(/^https?:\/\/[^/]+/, '')} ${what} in ${since ? Date.now() - since : '?'} ms`)
    if (page.answers.length > 30) page.answers.shift()
  }
  page.on('requestfinished', async (r) => settle(r, String((await r.response().catch(() => null))?.status() ?? '?')))
  page.on('requestfailed', (r) => settle(r, 'failed: ' + (r.failure()?.errorText || '?')))
  page.on('close', () => openPages.delete(page))
}
afterEach(async (t) => {
  const pages = [...openPages]
  openPages.clear()
  const owner = running
  running = null
  if (!t.passed) await failureArtifacts(t, pages)
  // the test's contexts, free for the next: their pages parked now (an open page keeps polling its server)
  for (const k of kept) {
    if (k.owner !== owner && k.owner !== t) continue
    await parkAll(k)
    k.owner = null
  }
})

async function failureArtifacts(t, pages) {
  const slug = t.name.replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 60)
  for (const [i, page] of pages.entries()) {
    if (page.isClosed()) continue
    const base = join(ARTIFACTS, `failed-${slug}-${i}`)
    await page.screenshot({ path: base + '.png', timeout: 10000 }).catch(() => {})
    const now = Date.now()
    const text = [`page ${i}: ${page.url()}`,
      'requests unanswered:', ...[...page.pending].map(([r, at]) => `  ${r.method()} ${r.url()} waiting ${now - at} ms`),
      'last answers:', ...page.answers.map((a) => '  ' + a),
      'last console lines:', ...page.console.slice(-30).map((c) => '  ' + c)].join('\n')
    writeFileSync(base + '.txt', text + '\n')
    console.error(`failed test "${t.name}": ${base}.png\n` + text)
  }
}

// at: the sign-in page's address (loginTo's carries the page to go on to)
export async function login(page, username, password = PASSWORD, at = '/login') {
  await page.goto(at)
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', password)
  await page.click('[data-test=login-submit]')
}

// Signs in and waits for the workbench.
export async function loginOk(page, username, password = PASSWORD) {
  await login(page, username, password)
  await page.waitForURL((u) => u.pathname === '/')
  await page.locator('[data-test=user-menu]').waitFor()
}

// Signs in on the way to a page, as a user who opens a link to it (/login?redirect=…, web/src/views/Login.vue), and
// waits until the app shows it: one start of the app instead of two (signing in, then page.goto), a second of the
// browser's CPU each, about a hundred times in the suite.
export async function loginTo(page, username, to, password = PASSWORD) {
  // a page's address as the app's router takes it (page.url() gives the whole URL)
  const u = new URL(to, 'http://app')
  await login(page, username, password, '/login?redirect=' + encodeURIComponent(u.pathname + u.search + u.hash))
  // the page asked for, never another: the router has no other place to send a signed-in user (web/src/router.js), and
  // a test that looks for what a page must not show would pass on the wrong page
  await page.waitForURL((x) => x.pathname === u.pathname)
  await page.locator('[data-test=user-menu]').waitFor()
}

// The marks a form shows under its fields (web/src/forms.js: a required field left blank, a member the server refused)
export const fieldMarks = (scope) => scope.locator('.el-form-item.is-error .el-form-item__error')

// The texts of those marks, once there are n of them
export async function markTexts(scope, n = 1) {
  const marks = fieldMarks(scope)
  await marks.nth(n - 1).waitFor()
  return (await marks.allTextContents()).map((x) => x.trim())
}

// Waits until network and animations settle, then saves a screenshot.
export async function shot(page, name) {
  await page.waitForLoadState('networkidle')
  await page.waitForTimeout(400)
  // toasts of earlier steps would cover the page
  await page.evaluate(() => document.querySelectorAll('.el-message').forEach((m) => m.remove()))
  const path = join(ARTIFACTS, name + '.png')
  await page.screenshot({ path })
  return path
}

// The text of an Element Plus toast of this kind (the newest one, or the one matching `re`: an
// earlier toast of the same kind may still be on screen).
export async function toast(page, kind = 'error', re) {
  let m = page.locator(`.el-message--${kind} .el-message__content`)
  m = re ? m.filter({ hasText: re }).last() : m.last()
  await m.waitFor()
  return (await m.textContent()).trim()
}

// Calls the API as a user (outside the browser): returns {status, json}. Throws when the server
// has no such route, so that a test fails (never skips) when an API it needs is missing.
export async function apiAs(server, username, password = PASSWORD) {
  const r = await fetch(server.url + '/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) })
  if (r.status !== 200) throw new Error(`${username} cannot sign in: ${r.status}`)
  const cookie = r.headers.get('set-cookie').split(';')[0]
  const { csrf_token: csrf } = await r.json()
  // body: JSON; or raw: { raw, contentType } for a file (CSV …)
  return async (method, path, body, raw) => {
    const res = await fetch(server.url + path, { method, headers: { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': raw?.contentType || 'application/json' },
      body: raw ? raw.raw : body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    let json = null
    try { json = JSON.parse(text) } catch { /* empty */ }
    if (res.status === 404 && /^接口 /.test(json?.error?.message || '')) throw new Error(`the server has no API ${method} ${path}`)
    return { status: res.status, json }
  }
}

// Fails the test on any error recorded by newPage, and on any message key the page asked for that
// no message file has (i18n.js keeps them in window.__duchaMissingKeys).
export async function assertNoErrors(t, page) {
  const missing = await page.evaluate(() => [...(window.__duchaMissingKeys || [])]).catch(() => [])
  const errors = [...page.errors, ...missing.map((k) => 'missing message: ' + k)]
  if (errors.length) throw new Error('errors on the page:\n' + errors.join('\n'))
}

export { readFileSync }

// Chooses the first option of a native <select> (the public pages) whose text contains `text`.
export async function choose(page, selector, text) {
  const value = await page.locator(`${selector} option`, { hasText: text }).first().getAttribute('value')
  await page.selectOption(selector, value)
}

// Picks an option in an Element Plus select (remote or not) inside `scope`, typing `text` first.
export async function pick(page, scope, text, optionText = text) {
  const sel = scope.locator('.el-select').first()
  await sel.click()
  const input = sel.locator('input').first()
  if (await input.isEditable().catch(() => false)) {
    await input.fill(text)
    // a remote search replaces the list: wait until every option shown matches what was typed
    await page.waitForFunction((t) => {
      const items = [...document.querySelectorAll('.el-select-dropdown__item')].filter((e) => e.offsetParent !== null)
      return items.length > 0 && items.every((e) => e.textContent.includes(t))
    }, text)
  }
  const opt = page.locator('.el-select-dropdown__item:visible', { hasText: optionText }).first()
  await opt.waitFor()
  await opt.click()
  // the choice shows in the select
  await sel.filter({ hasText: optionText }).waitFor()
}

// Searches the user list for `term` and waits until the table shows the result: every row names the term. A row
// already on the first page before the search would pass a plain wait, and the table re-rendered by the answer
// could then move the button under the next click.
export async function searchUsers(page, term) {
  await page.fill('[data-test=user-search]', term)
  await page.keyboard.press('Enter')
  await page.waitForFunction((t) => {
    const rows = [...document.querySelectorAll('[data-test=user-table] .el-table__row')]
    return rows.length > 0 && rows.every((r) => r.textContent.includes(t))
  }, term)
  await page.locator('[data-test=user-table] .el-table__row', { hasText: term }).first().waitFor()
}

// a phone's viewport (an iPhone 12-14's CSS pixels)
export const PHONE = { width: 390, height: 844 }

// nothing scrolls sideways on a phone: the page, its content, the table (el-table's colgroup kept the widths of the
// columns CSS hid, so the title ran off the screen's edge); and each row's title (data-test=title) is inside the screen
// and whole, not cut. table: a list's data-test, or none for a page (then every table on it).
export const fitsThePhone = async (page, table, title) => {
  const got = await page.evaluate(([table, title]) => {
    const wide = (e) => e && e.scrollWidth > e.clientWidth + 1 ? `${e.className || e.tagName}: ${e.scrollWidth} > ${e.clientWidth}` : null
    const scrollers = [document.documentElement, document.body, document.querySelector('.main'),
      ...document.querySelectorAll(table ? `[data-test=${table}] .el-scrollbar__wrap` : '.main .el-table .el-scrollbar__wrap')]
    const titles = table ? [...document.querySelectorAll(`[data-test=${table}] [data-test=${title}]`)].filter((e) => e.offsetParent)
      .map((e) => { const b = e.getBoundingClientRect(); return { left: b.left, right: b.right, cut: e.scrollWidth > e.clientWidth + 1, text: e.textContent.trim() } }) : []
    return { wide: scrollers.map(wide).filter(Boolean), titles }
  }, [table, title])
  assert.deepEqual(got.wide, [], 'nothing scrolls sideways')
  if (!table) return
  const rows = await page.locator(`[data-test=${table}] .el-table__row`).count()
  assert.ok(rows > 0, `rows in ${table}`)
  assert.equal(got.titles.length, rows, `a title for each of the ${rows} rows: ${JSON.stringify(got.titles)}`)
  for (const x of got.titles) assert.ok(x.text && x.left >= 0 && x.right <= PHONE.width && !x.cut, JSON.stringify(x))
}
