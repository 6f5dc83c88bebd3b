// The office app loads the Element Plus components and icons its pages use, each page's with the page
// (web/vite.config.js: the on-demand import; web/src/icons.js), never the whole library: a manual chunk of
// element-plus, or `app.use(ElementPlus)`, or all ~290 icons registered, would bring back 1.4 MB of script and
// 368 KB of CSS on the first visit (before: the sign-in page loaded 9 files, 1,775,634 bytes, 511,914 gzipped).
// The sizes are those of the built files, compressed here with gzip level 9, and what came over the connection
// (ducha sends the build's gzip copies to a browser that takes them).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { startServer, startBrowser, newPage, login, assertNoErrors } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

// measured 2026-12-06: the sign-in page 16 files, 798,998 bytes, 261,670 gzipped; with the workbench after it 35
// files, 912,030 bytes, 298,769 gzipped
const SIGN_IN_BUDGET = 320 * 1024
const WORKBENCH_BUDGET = 380 * 1024
// components and an icon that no page of the app uses: found in a bundle, they mean the library came whole
const UNUSED = [/"ElTour"/, /"ElCarousel"/, /"ElTransfer"/, /"ElColorPicker"/, /"ElMention"/, /IceCreamRound/]

// What the page loads from now until `ready` shows and the network is idle: [{path, bytes, gzip, text}].
async function loads(page, go, ready) {
  const reading = []
  const seen = (r) => {
    const u = new URL(r.url())
    if (u.origin !== server.url || u.pathname.startsWith('/api/')) return
    // wire: the body's bytes as they came over the connection (ducha sends the build's gzip copies, FILE.gz)
    reading.push(Promise.all([r.body(), r.request().sizes()]).then(([body, sizes]) => ({ path: u.pathname, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length, wire: sizes.responseBodySize, encoding: r.headers()['content-encoding'], text: body.toString('latin1') }), () => null))
  }
  page.on('response', seen)
  await go()
  await page.locator(ready).waitFor()
  await page.waitForLoadState('networkidle')
  page.off('response', seen)
  return (await Promise.all(reading)).filter(Boolean)
}

// Each file once, as it first came (signing in opens the sign-in page again: its files come from the browser's cache).
function weigh(name, loaded, budget) {
  const first = new Map()
  for (const f of loaded) if (!first.has(f.path)) first.set(f.path, f)
  const files = [...first.values()]
  const total = files.reduce((s, f) => s + f.gzip, 0)
  const wire = files.reduce((s, f) => s + f.wire, 0)
  console.log(`${name}: ${files.length} files, ${files.reduce((s, f) => s + f.bytes, 0)} bytes, ${total} gzipped, ${wire} on the wire\n` +
    files.map((f) => `  ${f.path} ${f.bytes} B, gzip ${f.gzip} B, sent ${f.wire} B${f.encoding ? ' ' + f.encoding : ''}`).join('\n'))
  // every script and stylesheet of some size came compressed, and the whole about as small as gzip makes it
  for (const f of files) if (/\.(js|css)$/.test(f.path) && f.bytes > 4096) assert.equal(f.encoding, 'gzip', `${name}: ${f.path} sent as it is`)
  assert.ok(wire < total * 1.1, `${name}: ${wire} bytes on the wire, ${total} gzipped`)
  for (const f of files) for (const re of UNUSED) assert.ok(!re.test(f.text), `${name}: ${f.path} carries ${re}`)
  assert.ok(total < budget, `${name}: ${total} bytes gzipped, more than ${budget}`)
  return total
}

test('the sign-in page and the workbench load only the components they use, within their budget', async (t) => {
  const page = await newPage(browser, server)
  const first = await loads(page, () => page.goto('/login'), '[data-test=login-submit]')
  assert.ok(first.some((f) => /\/assets\/index-[\w-]+\.js$/.test(f.path)), 'the office entry is loaded')
  assert.ok(first.some((f) => /\/assets\/index-[\w-]+\.css$/.test(f.path)), 'its stylesheet is loaded')
  const signIn = weigh('sign-in page', first, SIGN_IN_BUDGET)

  const then = await loads(page, () => login(page, 'gc_office'), '[data-test=user-menu]')
  // the workbench's own chunk came with it, and with it the styles of its components (a table, tags)
  assert.ok(then.some((f) => /\/assets\/Workbench-[\w-]+\.js$/.test(f.path)), 'the workbench chunk is loaded on sign-in')
  weigh('sign-in page and workbench', [...first, ...then], WORKBENCH_BUDGET)
  assert.ok(signIn > 0)
  // the workbench works: its to-dos are a table with Element Plus's styles (loaded with the page, after the app's
  // stylesheet) and the app's own changes to them still holding (web/src/style.css: under html)
  const table = page.locator('[data-test=wb-todos]')
  await table.locator('.el-table__row').first().waitFor()
  const look = await table.evaluate((e) => ({
    border: getComputedStyle(e).getPropertyValue('--el-table-border-color').trim(),
    cell: getComputedStyle(e.querySelector('.el-table__row .cell')).lineHeight,
    head: getComputedStyle(e.querySelector('th.el-table__cell')).backgroundColor,
  }))
  assert.ok(look.border, "Element Plus's table stylesheet is loaded")
  assert.deepEqual([look.cell, look.head], ['20px', 'rgb(242, 245, 250)'], "the app's table rules hold over Element Plus's")
  await assertNoErrors(t, page)
})
