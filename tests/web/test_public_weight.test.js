// The public pages (互联网+督查) on a phone load their own small entry (web/public.html,
// src/public/main.js), never the office app: no office chunk (index, element, vue of the office build),
// no component library and at most BUDGET bytes gzipped for everything the page loads (HTML, scripts, styles, fonts,
// images; the API's answers not counted). The sizes are those of the built files, compressed here with
// gzip level 9, so the figures do not depend on timing or on the server; each page is shown working.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { startServer, startBrowser, newPage, apiAs, shot, choose, assertNoErrors } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const PHONE = { width: 390, height: 844 }
// the office app's whole bundle is ~491 KB gzipped; the public pages with Element Plus, vue-router and
// vue-i18n were 166 KB (/p/clue); with plain form controls and their own few lines of words and
// addresses about 42 KB
const BUDGET = 60 * 1024
// what the public pages no longer carry (each was found in their former bundle): Element Plus's styles and
// components, vue-i18n, vue-router
const LIBRARY = [/\.el-(button|input|select|form-item)\b/, /ElementPlus|el-config-provider/, /intlify|vue-i18n/, /RouterView/]
const OFFICE_CHUNK = /\/assets\/(index|element|vue|Chart|Layout)-[\w-]+\.(js|css)$/

// Opens a public address on a phone and returns what it loaded: [{path, bytes, gzip}].
async function load(path, ready) {
  const page = await newPage(browser, server, PHONE)
  const reading = []
  page.on('response', (r) => {
    const u = new URL(r.url())
    if (u.origin !== server.url || u.pathname.startsWith('/api/')) return
    // a reply without a body (a redirect) is not a file the page loads
    reading.push(r.body().then((body) => ({ path: u.pathname, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length, text: body.toString('latin1') }), () => null))
  })
  await page.goto(path)
  await page.locator(ready).waitFor()
  await page.waitForLoadState('networkidle')
  // every body read in full before counting (reading a body is asynchronous)
  const files = (await Promise.all(reading.splice(0))).filter(Boolean)
  return { page, files }
}

function check(name, files) {
  const total = files.reduce((s, f) => s + f.gzip, 0)
  console.log(`${name}: ${files.length} files, ${files.reduce((s, f) => s + f.bytes, 0)} bytes, ${total} gzipped\n` +
    files.map((f) => `  ${f.path} ${f.bytes} B, gzip ${f.gzip} B`).join('\n'))
  assert.ok(files.some((f) => /^\/(p|public)\//.test(f.path)), `${name}: the page itself was loaded`)
  assert.ok(files.some((f) => /\/assets\/public-[\w-]+\.js$/.test(f.path)), `${name}: the public entry is loaded`)
  const office = files.filter((f) => OFFICE_CHUNK.test(f.path)).map((f) => f.path)
  assert.deepEqual(office, [], `${name}: no chunk of the office app`)
  assert.ok(total < BUDGET, `${name}: ${total} bytes gzipped, more than ${BUDGET}`)
  for (const f of files) for (const re of LIBRARY) assert.doesNotMatch(f.text, re, `${name}: ${f.path}`)
}

test('the clue form, the tracking page, a survey and the bulletins load only the public entry, within the budget', async (t) => {
  const { page: form, files: f1 } = await load('/p/clue', '[data-test=pub-form]')
  check('clue form', f1)
  assert.equal(await form.title(), '我要反映问题')
  // the form works with the components of the public entry: a category and an area are picked
  await form.locator('[data-test=pub-category] label', { hasText: '安全生产' }).click()
  await choose(form, '[data-test=pub-area]', '城关镇')
  await form.click('[data-test=pub-anonymous]')
  await form.locator('[data-test=pub-name]').waitFor()
  await shot(form, 'public-clue-phone')
  await assertNoErrors(t, form)

  const { page: track, files: f2 } = await load('/p/track', '[data-test=track-code]')
  check('tracking page', f2)
  await track.fill('[data-test=track-code]', 'ABCD')
  await track.click('[data-test=track-submit]')
  await track.locator('[data-test=track-error]').waitFor()
  await assertNoErrors(t, track)

  const api = await apiAs(server, 'gc_office')
  const { json } = await api('GET', '/api/v1/surveys')
  const open = json.surveys.find((s) => s.title === '县政务服务中心办事满意度调查')
  assert.ok(open?.link, 'the demo survey has its public link')
  const { page: survey, files: f3 } = await load(open.link, '[data-test=pubs-form]')
  check('survey', f3)
  assert.equal((await survey.locator('[data-test=pubs-title]').textContent()).trim(), open.title)
  await shot(survey, 'public-survey-phone')
  await assertNoErrors(t, survey)

  // the published bulletins are a public page too (/public/bulletins)
  const { page: bulletins, files: f4 } = await load('/public/bulletins', '[data-test=pub-list]')
  check('bulletins', f4)
  assert.equal(await bulletins.title(), '公开通报')
  await assertNoErrors(t, bulletins)
})
