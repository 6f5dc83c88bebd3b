// A search whose matches pass the server's bound (ledger_search_bound, 3 here instead of 500): the ledger's
// pager and its 「全部」 card say 「至少 3 条」 / 「3+」 (a state not counted 「—」), never a wrong exact 「共 3 条」 or 0;
// a rarer phrase keeps its exact count (「共 1 条」). On a desk and on a phone (the pager above the table).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors, inDays } from './helper.js'

let server, browser
before(async () => { server = await startServer(['--set', 'ledger_search_bound=3']); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

// Searches the ledger for q through the search box and waits for the server's answer.
async function search(page, q, mobile) {
  const answered = page.waitForResponse((r) => r.url().includes('/api/v1/items?') && r.url().includes('q=' + encodeURIComponent(q)))
  if (mobile) {
    await page.goto('/items?q=' + encodeURIComponent(q))
  } else {
    await page.fill('[data-test=ledger-q]', q)
    await page.click('[data-test=ledger-search]')
  }
  const r = await answered
  await page.locator('[data-test=ledger-table] .el-table__row').first().waitFor()
  return r.json()
}

test('a search counted up to its bound says 至少 N 条, an exact one 共 N 条', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const units = (await office('GET', '/api/v1/units?q=gc-&limit=100')).json.units
  const jt = units.find((u) => u.code === 'gc-jt')
  for (let i = 0; i < 5; i++) {
    const r = await office('POST', '/api/v1/items', { title: `璇玑计数第${'一二三四五'[i]}项`, source_kind: 'meeting', lead_unit_id: jt.id,
      due_date: inDays(30 + i), requirement: '按期办结并报送情况。' })
    assert.equal(r.status, 201, JSON.stringify(r.json))
  }
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', '/items')
  await page.locator('[data-test=ledger-table] .el-table__row').first().waitFor()
  assert.match(await page.locator('.pager .el-pagination__total').textContent(), /共 \d+ 条/, 'the whole ledger: exact')

  let body = await search(page, '璇玑')
  assert.equal(body.total_exact, false)
  assert.equal(body.total, 3)
  assert.equal((await page.locator('[data-test=ledger-bounded]').textContent()).trim(), '至少 3 条')
  assert.equal(await page.locator('.pager .el-pagination__total').count(), 0, 'no exact 「共 N 条」 beside it')
  assert.equal((await page.locator('[data-test=state-counts] .num').first().textContent()).trim(), '3+')
  assert.equal((await page.locator('[data-test=count-in_progress] .num').textContent()).trim(), '—', 'a state not counted is no 0')
  await shot(page, 'ledger-bounded-search')

  body = await search(page, '璇玑计数第五项')
  assert.equal(body.total_exact, true)
  assert.equal(body.total, 1)
  assert.match(await page.locator('.pager .el-pagination__total').textContent(), /共 1 条/)
  assert.equal(await page.locator('[data-test=ledger-bounded]').count(), 0)
  assert.equal((await page.locator('[data-test=state-counts] .num').first().textContent()).trim(), '1')
  assert.equal((await page.locator('[data-test=count-draft] .num').textContent()).trim(), '1')
  assert.equal((await page.locator('[data-test=count-in_progress] .num').textContent()).trim(), '0')
  await assertNoErrors(t, page)

  // a phone: the pager above the table says the same
  const phone = await newPage(browser, server, { width: 390, height: 844 })
  await loginOk(phone, 'gc_office')
  body = await search(phone, '璇玑', true)
  assert.equal(body.total_exact, false)
  assert.equal((await phone.locator('[data-test=ledger-bounded-top]').textContent()).trim(), '至少 3 条')
  await shot(phone, 'ledger-bounded-search-phone')
  await assertNoErrors(t, phone)
})
