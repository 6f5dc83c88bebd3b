// The ledger's pager past the server's offset bound. page= may skip at most ledger_page_bound rows (10,000; 40 on
// this test server, so that page 3 of 20 rows is already "deep"); deeper pages are read with the `next` cursor.
// The pager walks forward and back through every page of two sorts and shows each item once, in the order of
// the API's own cursor walk, never the server's 400; a deep page's address (reload, back button) reads it again
// and the page before it is walked to; the phone's compact pager above the list pages the same way. Also: every
// POST the web app makes carries a fresh Idempotency-Key (a balancer's retry of it is answered, not done twice).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors, inDays, pick } from './helper.js'

const BOUND = 20
const PER = 20
let server, browser, office

before(async () => {
  server = await startServer(['--set', `ledger_page_bound=${BOUND}`])
  browser = await startBrowser()
  office = await apiAs(server, 'gc_office')
  // enough items for pages past page_max (2): 5 pages of 20 in the office's ledger
  const all = (await office('GET', '/api/v1/items?per_page=1')).json.all
  const units = (await office('GET', '/api/v1/units?q=gc-&limit=100')).json.units
  const jt = units.find((u) => u.code === 'gc-jt')
  for (let i = all; i < 4 * PER + 7; i++) {
    const r = await office('POST', '/api/v1/items', { title: `翻页测试第${i}项`, source_kind: 'meeting', lead_unit_id: jt.id,
      due_date: inDays(20 + (i * 7) % 60), requirement: '按期办结并报送情况。' })
    assert.equal(r.status, 201, JSON.stringify(r.json))
  }
})
after(async () => { await browser?.close(); await server?.stop() })

// The ids of a sort as the API's cursor walk gives them (per_page 20, next → after).
async function cursorWalk(sort) {
  const ids = []
  let after = null
  for (;;) {
    const r = await office('GET', `/api/v1/items?sort=${encodeURIComponent(sort)}&per_page=${PER}` + (after ? `&after=${encodeURIComponent(after)}` : ''))
    assert.equal(r.status, 200, JSON.stringify(r.json))
    ids.push(...r.json.items.map((i) => i.id))
    if (!r.json.next) return ids
    after = r.json.next
  }
}

// Every ledger read the page makes, and the refusals among them.
function watch(page) {
  const seen = { refused: [], reads: 0 }
  page.on('response', (r) => {
    const u = new URL(r.url())
    if (u.pathname !== '/api/v1/items') return
    seen.reads++
    if (r.status() >= 400) seen.refused.push(`${r.status()} ${u.search}`)
  })
  return seen
}

// Runs act (a click) and waits until the table (or the phone's cards) shows the ids of want, in order.
async function turn(page, act, want, rows = '[data-test=ledger-table] .el-table__body-wrapper .el-table__row a.num') {
  await act()
  await page.waitForFunction(({ rows, want }) => JSON.stringify([...document.querySelectorAll(rows)].map((a) => Number(a.getAttribute('href').split('/').pop()))) === want,
    { rows, want: JSON.stringify(want) })
}

const active = async (page, scope = '.pager:not(.top)') => Number(await page.locator(`${scope} .el-pager li.is-active`).textContent())

for (const sort of ['-created', 'due']) {
  test(`the pager walks every page of sort ${sort} forward and back through the cursor`, async (t) => {
    const want = await cursorWalk(sort)
    assert.ok(want.length > 4 * PER, `${want.length} items`)
    assert.equal(new Set(want).size, want.length)
    // the bound is real: page= past it is refused by the server
    const deep = await office('GET', `/api/v1/items?sort=${encodeURIComponent(sort)}&per_page=${PER}&page=4`)
    assert.equal(deep.status, 400)
    assert.match(deep.json.error.message, /after/)

    const page = await newPage(browser, server)
    const seen = watch(page)
    await loginTo(page, 'gc_office', '/items' + (sort === '-created' ? '' : '?sort=' + sort))
    await page.locator('[data-test=ledger-table] .el-table__row').first().waitFor()
    const last = Math.ceil(want.length / PER)
    const pages = Array.from({ length: last }, (_, i) => want.slice(i * PER, (i + 1) * PER))
    await turn(page, async () => {}, pages[0])
    for (let p = 2; p <= last; p++) {
      await turn(page, () => page.click('.pager .btn-next'), pages[p - 1])
      assert.equal(await active(page), p)
      if (p === 4) {
        assert.match(page.url(), /[?&]after=/, 'a deep page keeps its cursor in the address')
        await shot(page, `ledger-pager-deep-${sort}`)
      }
    }
    assert.ok(await page.locator('.pager .btn-next').isDisabled(), 'the last page has no next')
    // back to the first page, one page at a time
    for (let p = last - 1; p >= 1; p--) {
      await turn(page, () => page.click('.pager .btn-prev'), pages[p - 1])
      assert.equal(await active(page), p)
    }
    if (sort === '-created') {
      // a deep page from its address (a reload, the back button): the same rows; the page before it (not seen by
      // this load, out of page='s reach) is walked to
      for (let p = 2; p <= 4; p++) await turn(page, () => page.click('.pager .btn-next'), pages[p - 1])
      await turn(page, () => page.reload(), pages[3])
      assert.equal(await active(page), 4, 'page 4 again from its address')
      await turn(page, () => page.click('.pager .btn-prev'), pages[2])
      assert.equal(await active(page), 3)
    }
    assert.deepEqual(seen.refused, [], 'no ledger read refused')
    await assertNoErrors(t, page)
  })
}

test('the phone\'s compact pager above the list pages past the bound', async (t) => {
  const want = await cursorWalk('-created')
  const phone = await newPage(browser, server, { width: 390, height: 844 })
  const seen = watch(phone)
  await loginTo(phone, 'gc_office', '/items')
  await phone.locator('[data-test=ledger-table] .el-table__row').first().waitFor()
  // the phone's cards: the item link in each card
  const cards = '[data-test=ledger-table] .pr-line a.num'
  await turn(phone, async () => {}, want.slice(0, PER), cards)
  for (let p = 2; p <= 4; p++) {
    await turn(phone, () => phone.click('[data-test=ledger-pager-top] .btn-next'), want.slice((p - 1) * PER, p * PER), cards)
    assert.equal(await active(phone, '[data-test=ledger-pager-top]'), p)
  }
  await turn(phone, () => phone.click('[data-test=ledger-pager-top] .btn-prev'), want.slice(2 * PER, 3 * PER), cards)
  await shot(phone, 'ledger-pager-deep-phone')
  assert.deepEqual(seen.refused, [])
  await assertNoErrors(t, phone)
})

test('every POST of the web app carries a fresh Idempotency-Key', async (t) => {
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  const keys = []
  await page.route('**/api/v1/**', (route) => {
    const r = route.request()
    if (r.method() === 'POST') keys.push({ path: new URL(r.url()).pathname, key: r.headers()['idempotency-key'] })
    route.continue()
  })
  // two saved item drafts: the creating POST /api/v1/items, twice
  const draft = async (title) => {
    await page.click('[data-test=menu-item-new]')
    await page.fill('[data-test=new-title]', title)
    await page.fill('[data-test=new-requirement]', '按期办结并报送情况。')
    await pick(page, page.locator('[data-test=new-lead]'), '交通运输局', '古城县交通运输局')
    const due = page.locator('.el-form-item', { hasText: '办理时限' }).locator('input')
    await due.fill(inDays(20))
    await due.press('Enter')
    await page.keyboard.press('Escape')
    // the items made for the pager put 交通运输局 over its cap of items in the period: once the burden check has
    // answered, the form asks for the reason (例外理由), without which 保存草稿 only marks the field
    await page.waitForLoadState('networkidle')
    const reason = page.locator('textarea[data-test=new-burden-reason], [data-test=new-burden-reason] textarea')
    if (await reason.count()) await reason.fill('专项工作需要，已与该局协调。')
    const created = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/items' && r.request().method() === 'POST')
    await page.click('[data-test=new-draft]')
    const r = await created
    assert.equal(r.status(), 201, await r.text())
    await page.waitForURL(/\/items\/\d+$/)
    return r
  }
  await draft('幂等键测试事项二')
  const r = await draft('幂等键测试事项')
  const posts = keys.filter((k) => k.path === '/api/v1/items')
  assert.equal(posts.length, 2, JSON.stringify(keys))
  assert.notEqual(posts[0].key, posts[1].key, 'one key per action')
  const post = posts[1]
  assert.ok(post, JSON.stringify(keys))
  assert.match(post.key || '', /^[0-9a-f]{32}$/)
  const sent = keys.length
  // the server took it: the same request again with that key is answered from the first, not registered twice
  const again = await page.evaluate(async ({ key, body }) => {
    const csrf = await fetch('/api/v1/session').then((x) => x.json()).then((s) => s.csrf_token)
    const x = await fetch('/api/v1/items', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'Idempotency-Key': key }, body })
    return { status: x.status, replayed: x.headers.get('Idempotent-Replayed'), id: (await x.json()).id }
  }, { key: post.key, body: r.request().postData() })
  assert.deepEqual(again, { status: 201, replayed: 'true', id: (await r.json()).id })
  const ours = keys.slice(0, sent)
  assert.ok(ours.every((k) => /^[0-9a-f]{32}$/.test(k.key || '')), JSON.stringify(keys))
  assert.equal(new Set(ours.map((k) => k.key)).size, ours.length, 'one key per request')
  assert.equal(keys.length, sent + 1)
  await assertNoErrors(t, page)
})
