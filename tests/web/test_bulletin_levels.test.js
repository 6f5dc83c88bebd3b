// A bulletin's levels (统计层级) in the browser: the city office (临川市) reports on its counties (with the roll-up per
// government under 本级及下级). The draft dialog
// offers 本级 / 本级及下级; a 本级 draft counts the city's own items only, and switching it to 本级及下级 in the
// words form counts again the items the counties' offices assigned — the page shows exactly what the server
// counted for the same period and scope. The words form sets how many units the ranking lists (rank_n); the annex
// button downloads every unit as XLSX.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, toast, apiAs, assertNoErrors, PHONE, fitsThePhone } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const totals = (page) => page.locator('[data-test=bul-totals] .num').allTextContents()
const unitRows = (page) => page.locator('[data-test=bul-units] .el-table__body .el-table__row')

test('the city office drafts 本级 and counts again 本级及下级: the page shows what the server counted', async (t) => {
  const office = await newPage(browser, server)
  await loginOk(office, 'lc_office')
  // the dialog: 本级 by default, 本级及下级 chosen
  await office.goto('/bulletins')
  await office.locator('[data-test=bul-table]').waitFor()
  await office.click('[data-test=bul-new]')
  const dlg = office.locator('[data-test=bul-dialog]')
  await dlg.waitFor()
  await dlg.locator('[data-test=bul-levels-own].is-active').waitFor()
  await dlg.locator('[data-test=bul-levels-below]').click()
  await dlg.locator('[data-test=bul-levels-below].is-active').waitFor()
  await shot(office, 'bulletin-levels-new')
  await dlg.locator('[data-test=bul-create]').click()
  await toast(office, 'success', /草稿已生成/)
  await office.waitForURL(/\/bulletins\/\d+$/)
  await office.locator('[data-test=bul-levels]', { hasText: '本级及下级' }).waitFor()
  const asOffice = await apiAs(server, 'lc_office')
  const first = await asOffice('GET', `/api/v1/bulletins/${office.url().split('/').pop()}`)
  assert.equal(first.json.levels, 'below')

  // a year's 本级 draft (the demo's items are the counties'): then 本级及下级 in the words form
  const end = new Date(Date.now() + 8 * 3600000)
  const from = new Date(end.getTime() - 360 * 86400000).toISOString().slice(0, 10)
  const period = { period_from: from, period_to: end.toISOString().slice(0, 10) }
  const own = await asOffice('POST', '/api/v1/bulletins', period)
  assert.equal(own.status, 201)
  const below = await asOffice('POST', '/api/v1/bulletins', { ...period, levels: 'below' })
  assert.equal(below.status, 201)
  assert.ok(below.json.figures.totals.registered > own.json.figures.totals.registered, 'the counties have items')
  await office.goto(`/bulletins/${own.json.id}`)
  await office.locator('[data-test=bul-levels]', { hasText: '本级' }).waitFor()
  const want = (f) => [f.totals.registered, f.totals.completed, f.totals.completed_on_time].map(String)
  assert.deepEqual((await totals(office)).slice(0, 3).map((s) => s.trim()), want(own.json.figures))
  await office.locator('[data-test=bul-w-levels-below]').click()
  await office.click('[data-test=bul-save]')
  await toast(office, 'success', /已保存/)
  await office.locator('[data-test=bul-levels]', { hasText: '本级及下级' }).waitFor()
  await office.locator('[data-test=bul-totals] .num').first().filter({ hasText: String(below.json.figures.totals.registered) }).waitFor()
  assert.deepEqual((await totals(office)).slice(0, 3).map((s) => s.trim()), want(below.json.figures))
  assert.equal(await unitRows(office).count(), below.json.figures.units.length)
  const names = (await unitRows(office).locator('td:first-child').allTextContents()).map((s) => s.trim())
  assert.deepEqual(names, below.json.figures.units.map((u) => u.name))
  assert.ok(names.some((n) => n.startsWith('古城县')), names.join())
  // the criticisms' rectification (the demo's criticism of a county's bureau), as the server counted it
  const crit = below.json.figures.rectification.criticisms
  assert.ok(crit.criticisms >= 1, JSON.stringify(crit))
  const critLine = await office.locator('[data-test=bul-criticisms-line]').textContent()
  for (const words of [`限期整改的通报批评共 ${crit.criticisms} 件`, `已报送整改情况 ${crit.reported} 件（其中超过整改时限报送 ${crit.late} 件）`,
    `超过整改时限仍未报送 ${crit.overdue} 件（最长逾期 ${crit.overdue_workdays} 个工作日）`]) assert.ok(critLine.includes(words), `${words} in ${critLine}`)
  assert.deepEqual((await office.locator('[data-test=bul-criticisms-unit] .crit-name').allTextContents()).map((s) => s.trim()),
    crit.units.map((u) => u.name))
  // the roll-up per government: the city itself (本级) and each county, as the server counts them
  const govRows = office.locator('[data-test=bul-governments] .el-table__body .el-table__row')
  await govRows.first().waitFor()
  const govs = below.json.figures.governments
  assert.ok(govs.length >= 2 && govs.some((g) => g.name === '古城县人民政府'), JSON.stringify(govs))
  assert.equal(await govRows.count(), govs.length)
  for (let i = 0; i < govs.length; i++) {
    const cells = (await govRows.nth(i).locator('td').allTextContents()).map((s) => s.trim())
    assert.deepEqual(cells, [govs[i].name + (govs[i].level === 'own' ? '（本级）' : ''), ...['registered', 'completed', 'completed_on_time', 'overdue'].map((k) => String(govs[i][k]))])
  }
  assert.equal(govs.reduce((a, g) => a + g.registered, 0), below.json.figures.totals.registered)
  await office.evaluate(() => document.querySelector('.main')?.scrollTo(0, 0))
  await shot(office, 'bulletin-levels')
  await assertNoErrors(t, office)
})

// What the document lists (排名列示单位数) and the annex: the words form sets rank_n (no recount), and the annex button
// downloads the XLSX of every unit.
test('the office sets how many units the ranking lists and downloads the annex', async (t) => {
  const asOffice = await apiAs(server, 'lc_office')
  const end = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10)
  const below = await asOffice('POST', '/api/v1/bulletins', { period_from: end.slice(0, 4) + '-01-01', period_to: end, levels: 'below' })
  assert.equal(below.status, 201, JSON.stringify(below.json))
  assert.equal(below.json.rank_n, 10)
  const office = await newPage(browser, server)
  await loginTo(office, 'lc_office', `/bulletins/${below.json.id}`)
  const rank = office.locator('[data-test=bul-w-rank-n] input')
  await rank.waitFor()
  assert.equal(await rank.inputValue(), '10')
  await rank.fill('3')
  await rank.press('Tab')
  await office.click('[data-test=bul-save]')
  await toast(office, 'success', /已保存/)
  const after = (await asOffice('GET', `/api/v1/bulletins/${below.json.id}`)).json
  assert.equal(after.rank_n, 3)
  assert.equal(after.figures_at, below.json.figures_at, 'not counted again')
  const [dl] = await Promise.all([office.waitForEvent('download'), office.click('[data-test=bul-annex]')])
  assert.match(dl.suggestedFilename(), /附件-各责任单位办理情况表\.xlsx$/)
  await rank.scrollIntoViewIfNeeded()
  await shot(office, 'bulletin-rank-n')
  await assertNoErrors(t, office)
})

// The roll-up per government on a phone (the city's 本级及下级 bulletin): a card per government in the server's order,
// folded by level — the top level's cards, each with the server's figures; a government with governments below it
// (a province's cities with their counties: here the server's answer nested one level more, the demo's tree having
// two levels) has a button 展开下级（n） that shows them right after it, indented, and 收起 folds them again; the page
// does not scroll sideways (the desk's table was 500 px wide in 358). Screenshot: bulletin-levels-phone.
test('the roll-up per government on a phone: folded by level, unfolded on demand, nothing sideways', async (t) => {
  const asOffice = await apiAs(server, 'lc_office')
  const end = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10)
  const below = await asOffice('POST', '/api/v1/bulletins', { period_from: end.slice(0, 4) + '-01-01', period_to: end, levels: 'below' })
  assert.equal(below.status, 201, JSON.stringify(below.json))
  const govs = below.json.figures.governments
  assert.ok(govs.length >= 2, JSON.stringify(govs))
  const office = await newPage(browser, server, PHONE)
  await loginOk(office, 'lc_office')
  const cards = office.locator('[data-test=bul-governments] [data-test=card]')
  const expectCards = async (rows) => {
    await office.waitForFunction((n) => document.querySelectorAll('[data-test=bul-governments] [data-test=card]').length === n, rows.length)
    for (let i = 0; i < rows.length; i++) {
      const [depth, g] = rows[i]
      const card = cards.nth(i)
      assert.equal((await card.locator('[data-test=card-title]').textContent()).trim(), g.name + (g.level === 'own' ? '（本级）' : ''))
      assert.equal(Number(await card.getAttribute('data-depth')), depth)
      const fields = await card.locator('.pc-f').evaluateAll((fs) => fs.map((f) => [...f.children].map((x) => x.textContent.trim())))
      assert.deepEqual(fields, [['交办', 'registered'], ['办结', 'completed'], ['按期办结', 'completed_on_time'], ['超期未办结', 'overdue']]
        .map(([label, k]) => [label, String(g[k])]))
    }
  }
  await office.goto(`/bulletins/${below.json.id}`)
  await cards.first().waitFor()
  await expectCards(govs.map((g) => [0, g]))
  await fitsThePhone(office, 'bul-governments', 'card-title')

  // a deeper tree: the city's counties under one more level (a province's city and its counties)
  const sum = (k) => govs.slice(1).reduce((a, g) => a + g[k], 0)
  const city = { unit_id: 990001, name: '示范市人民政府', level: 'below', registered: sum('registered'), completed: sum('completed'),
    completed_on_time: sum('completed_on_time'), overdue: sum('overdue'), governments: govs.slice(1) }
  const nested = [govs[0], city]
  await office.route(`**/api/v1/bulletins/${below.json.id}`, async (route) => {
    const res = await route.fetch()
    const body = await res.json()
    body.figures.governments = nested
    await route.fulfill({ response: res, json: body })
  })
  await office.reload()
  await cards.first().waitFor()
  await expectCards([[0, govs[0]], [0, city]])  // folded: the counties are not shown
  const unfold = cards.nth(1).locator('[data-test=card-unfold]')
  assert.equal((await unfold.textContent()).trim(), `展开下级（${govs.length - 1}）`)
  assert.equal(await cards.nth(0).locator('[data-test=card-unfold]').count(), 0)
  await unfold.click()
  await expectCards([[0, govs[0]], [0, city], ...govs.slice(1).map((g) => [1, g])])
  assert.equal((await cards.nth(1).locator('[data-test=card-unfold]').textContent()).trim(), '收起')
  await fitsThePhone(office, 'bul-governments', 'card-title')
  await fitsThePhone(office)
  await office.locator('[data-test=bul-governments]').scrollIntoViewIfNeeded()
  await shot(office, 'bulletin-levels-phone')
  await cards.nth(1).locator('[data-test=card-unfold]').click()
  await expectCards([[0, govs[0]], [0, city]])
  await assertNoErrors(t, office)
})
