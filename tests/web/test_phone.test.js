// Phones (issue 15): the ledger's and the inspections' filters fold away so that the list and its pager are on the
// first screen, each row's state inside the screen; the lists are a card per row that does not scroll sideways, the
// title wrapping inside the screen; the to-do list shows each to-do's deadline. Screenshots: ledger-phone,
// ledger-phone-long-title, inspections-phone, rectifications-phone, workbench-phone-due, item-phone-request-completion,
// item-children-phone. 报送进展's slider starts at the unit's progress; a parent item's 子事项 are cards (CardTable).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors, inDays, PHONE, fitsThePhone } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const onFirstScreen = async (loc) => {
  const b = await loc.boundingBox()
  return b && b.y >= 0 && b.y + b.height <= PHONE.height
}

// the visible states of a list's rows (data-test=sel) and where they are: the state is what the user looks for, so on
// a phone each row's state must be inside the screen, not in a column beyond its right edge
const statesOnScreen = async (page, table, sel) => {
  const rows = await page.locator(`[data-test=${table}] .el-table__row`).count()
  const states = await page.$$eval(`[data-test=${table}] [data-test=${sel}]`, (els) => els.filter((e) => e.offsetParent)
    .map((e) => { const b = e.getBoundingClientRect(); return { left: b.left, right: b.right, text: e.textContent.trim() } }))
  assert.ok(rows > 0)
  assert.equal(states.length, rows, `a state for each of the ${rows} rows: ${JSON.stringify(states)}`)
  for (const s of states) assert.ok(s.text && s.left >= 0 && s.right <= PHONE.width, JSON.stringify(s))
  return states.map((s) => s.text)
}

// a text on one line: no taller than two of its lines' font size
const oneLine = (loc) => loc.evaluate((e) => e.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(e).fontSize))

test('the ledger on a phone: filters folded, the list and the pager on the first screen', async (t) => {
  const page = await newPage(browser, server, PHONE)
  await loginTo(page, 'gc_office', '/items')
  await page.locator('[data-test=ledger-table] .el-table__row').first().waitFor()
  // the search box and the filter toggle only; the other filters wait behind it
  assert.ok(await page.locator('[data-test=ledger-q]').isVisible())
  assert.equal(await page.locator('[data-test=ledger-search]').isVisible(), false)
  assert.ok(await onFirstScreen(page.locator('[data-test=ledger-table] .el-table__row').first()), 'the first item')
  assert.ok(await onFirstScreen(page.locator('[data-test=ledger-pager-top]')), 'the pager')
  assert.match(await page.locator('[data-test=ledger-pager-top]').textContent(), /共 \d+ 条/)
  // the panel's title stays on one line (督办台账 broke into 督办台 / 账 beside its buttons), the buttons go below it
  assert.ok(await oneLine(page.locator('.panel-title .ttl').first()), 'the ledger title on one line')
  const states = await statesOnScreen(page, 'ledger-table', 'ledger-state')
  assert.ok(states.some((x) => /办理中|已办结|待/.test(x)), states.join('|'))
  await fitsThePhone(page, 'ledger-table', 'ledger-title')
  await shot(page, 'ledger-phone')
  // unfolded: every filter is there; a search folds them again and says how many are set
  await page.click('[data-test=ledger-filter-toggle]')
  await page.locator('[data-test=ledger-search]').waitFor()
  await page.locator('.filters .el-checkbox').click() // 只看逾期
  await page.click('[data-test=ledger-search]')
  await page.waitForFunction(() => !document.querySelector('[data-test=ledger-search]')?.offsetParent)
  assert.match(await page.locator('[data-test=ledger-filter-toggle]').textContent(), /筛选（1）/)
  await page.locator('[data-test=ledger-table] .el-table__row').first().waitFor()
  // the pager moves the list
  const first = await page.locator('[data-test=ledger-table] .el-table__row').first().textContent()
  assert.ok(first)
  // on a desk screen the filters stand open and the pager is below the list
  await page.setViewportSize({ width: 1366, height: 768 })
  await page.locator('[data-test=ledger-search]').waitFor()
  assert.equal(await page.locator('[data-test=ledger-pager-top]').count(), 0)
  await assertNoErrors(t, page)
})

test('the to-do list on a phone shows each deadline', async (t) => {
  const page = await newPage(browser, server, PHONE)
  await loginOk(page, 'gc_office')
  const todo = page.locator('[data-test=wb-todos] .wb-todo').first()
  await todo.waitFor()
  assert.ok(await onFirstScreen(todo))
  const dues = await page.locator('[data-test=wb-todos] .wb-todo [data-test=todo-due]').allTextContents()
  assert.ok(dues.length > 0 && dues.every((d) => /截止|—/.test(d)), dues.join('|'))
  assert.ok(dues.some((d) => /\d{4}-\d\d-\d\d|\d+月\d+日/.test(d)), dues.join('|'))
  await shot(page, 'workbench-phone-due')
  await assertNoErrors(t, page)
})

test('the header on a phone: the title gives way, the language switch and the name stay on one line', async (t) => {
  const page = await newPage(browser, server, PHONE)
  await loginOk(page, 'gc_head') // 何振华: a three-character name wrapped 中文 onto two lines
  const lang = page.locator('.hdr .hdr-link').first()
  assert.equal((await lang.textContent()).trim(), '中文')
  const line = await lang.evaluate((e) => parseFloat(getComputedStyle(e).lineHeight) || 20)
  assert.ok((await lang.boundingBox()).height < line * 1.5, 'the language switch is on one line')
  assert.ok((await page.locator('[data-test=user-menu]').boundingBox()).height < line * 1.5, 'the name is on one line')
  const hdr = await page.locator('.hdr').boundingBox()
  const user = await page.locator('[data-test=user-menu]').boundingBox()
  assert.ok(user.x + user.width <= hdr.x + hdr.width, 'the name is inside the header')
  await assertNoErrors(t, page)
})

test('the inspections on a phone: filters folded, the list and its pager on the first screen', async (t) => {
  const page = await newPage(browser, server, PHONE)
  await loginTo(page, 'gc_office', '/inspections')
  const rows = page.locator('[data-test=insp-table] .el-table__row')
  await rows.first().waitFor()
  // the search box and the toggle; the state, kind, basis and year wait behind it, the year's caps are for a desk
  assert.ok(await page.locator('[data-test=insp-q]').isVisible())
  assert.equal(await page.locator('[data-test=insp-search]').isVisible(), false)
  assert.equal(await page.locator('[data-test=insp-caps]').count(), 0)
  assert.ok(await onFirstScreen(rows.first()), 'the first inspection')
  // the cards are taller than a table's lines: the pager stands above them too, as in the ledger
  assert.ok(await onFirstScreen(page.locator('[data-test=insp-pager-top]')), 'the pager')
  assert.match(await page.locator('[data-test=insp-pager-top]').textContent(), /共 \d+ 条/)
  assert.ok(await oneLine(page.locator('.panel-title .ttl').first()), 'the title on one line')
  await statesOnScreen(page, 'insp-table', 'insp-state')
  await fitsThePhone(page, 'insp-table', 'insp-title')
  await shot(page, 'inspections-phone')
  // unfolded: a state chosen and searched folds them again, says one filter is set, and narrows the list
  await page.click('[data-test=insp-filter-toggle]')
  await page.locator('[data-test=insp-search]').waitFor()
  const all = await rows.count()
  await page.locator('.filters .el-select').first().click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: '实施中' }).click()
  await page.click('[data-test=insp-search]')
  await page.waitForFunction(() => !document.querySelector('[data-test=insp-search]')?.offsetParent)
  assert.match(await page.locator('[data-test=insp-filter-toggle]').textContent(), /筛选（1）/)
  await page.waitForFunction((n) => document.querySelectorAll('[data-test=insp-table] .el-table__row').length < n, all)
  for (const r of await rows.allInnerTexts()) assert.match(r, /实施中/)
  // on a desk screen the filters and the caps stand open
  await page.setViewportSize({ width: 1366, height: 768 })
  await page.locator('[data-test=insp-search]').waitFor()
  await page.locator('[data-test=insp-caps]').waitFor()
  assert.equal(await page.locator('[data-test=insp-pager-top]').count(), 0)
  await assertNoErrors(t, page)
})

test('a long title on a phone wraps inside the screen, whole', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const units = (await office('GET', '/api/v1/units?q=' + encodeURIComponent('交通运输局'))).json
  const unitId = (units.units || units.items || []).find((u) => u.name === '古城县交通运输局').id
  const title = '关于城区主次干道、背街小巷及城乡结合部道路照明设施全面排查维修和智能化改造提升工作的督办事项（手机折行）'
  const r = await office('POST', '/api/v1/items', { title, source_kind: 'meeting', lead_unit_id: unitId, due_date: inDays(40), submit: true })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  const page = await newPage(browser, server, PHONE)
  await loginTo(page, 'gc_office', '/items?q=' + encodeURIComponent('手机折行'))
  const el = page.locator('[data-test=ledger-table] [data-test=ledger-title]', { hasText: '手机折行' })
  await el.waitFor()
  await fitsThePhone(page, 'ledger-table', 'ledger-title')
  // it wraps: more than one line, every word of it on the page
  assert.ok(await el.evaluate((e) => e.getBoundingClientRect().height >= 2 * parseFloat(getComputedStyle(e).lineHeight || 20)), 'the title wraps')
  assert.ok((await el.innerText()).includes(title))
  await shot(page, 'ledger-phone-long-title')
  await assertNoErrors(t, page)
})

test('a unit contact on a phone: the workbench, an item, the messages and the rectification tasks do not scroll sideways', async (t) => {
  const page = await newPage(browser, server, PHONE)
  await loginOk(page, 'gc_contact')
  await page.locator('[data-test=wb-todos] .wb-todo').first().waitFor()
  await fitsThePhone(page)
  // a to-do opens its item: the units' tracks (签收时间, 方案 / 办结答复 ran off the screen) and the milestones fit
  await page.locator('[data-test=wb-todos] .wb-todo', { hasText: '报送进展' }).first().click()
  await page.locator('[data-test=item-tracks] .el-table__row').first().waitFor()
  await page.locator('[data-test=milestones] .el-table__row').first().waitFor()
  await fitsThePhone(page)
  await page.goto('/inbox')
  await page.locator('[data-test=inbox-message]').first().waitFor()
  await fitsThePhone(page)
  await page.goto('/inspections/rectifications')
  await page.locator('[data-test=rect-table] .el-table__row').first().waitFor()
  await fitsThePhone(page, 'rect-table', 'rect-title')
  const states = await page.locator('[data-test=rect-table] [data-test=rect-row-state]').allTextContents()
  assert.ok(states.length > 0 && states.every((x) => x.trim()), states.join('|'))
  await shot(page, 'rectifications-phone')
  await page.goto('/items')
  await page.locator('[data-test=ledger-table] .el-table__row').first().waitFor()
  await fitsThePhone(page, 'ledger-table', 'ledger-title')
  await assertNoErrors(t, page)
})

// an item of 古城县交通运输局 in progress at `percent`, reported by gc_contact through the API
const itemInProgress = async (title, percent) => {
  const office = await apiAs(server, 'gc_office')
  const jt = (await office('GET', '/api/v1/units?q=gc-&limit=100')).json.units.find((u) => u.code === 'gc-jt')
  const r = await office('POST', '/api/v1/items', { title, source_kind: 'meeting', lead_unit_id: jt.id, due_date: inDays(30), submit: true })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  const id = r.json.id
  for (const u of ['gc_deputy', 'gc_director']) assert.equal((await (await apiAs(server, u))('POST', `/api/v1/items/${id}/actions/approve`, {})).status, 200)
  assert.equal((await office('POST', `/api/v1/items/${id}/actions/assign`, {})).status, 200)
  const contact = await apiAs(server, 'gc_contact')
  assert.equal((await contact('POST', `/api/v1/items/${id}/actions/receive`, {})).status, 200)
  assert.equal((await contact('POST', `/api/v1/items/${id}/reports`, { text: '已完成方案设计', percent })).status, 201)
  return { id, contact }
}

test('报送进展 on a phone starts at the unit\'s progress; 申请办结 says what becomes of 总体进度', async (t) => {
  const { id, contact } = await itemInProgress('城区路灯维修（手机报送进展）', 40)
  const page = await newPage(browser, server, PHONE)
  await loginTo(page, 'gc_contact', `/items/${id}`)
  await page.click('[data-test=act-report]')
  const dlg = page.locator('[data-test=action-dialog]')
  // the slider (and its number box) at the 40 % already reported, not at 0
  assert.equal(await dlg.locator('[data-test=action-percent] input').inputValue(), '40')
  assert.equal(await dlg.locator('[data-test=action-percent] .el-slider__button-wrapper').getAttribute('aria-valuenow'), '40')
  await fitsThePhone(page)
  await dlg.locator('[data-test=action-text]').fill('路灯已更换一半。')
  await page.click('[data-test=action-submit]')
  await page.locator('[data-test=report]', { hasText: '路灯已更换一半' }).waitFor()
  // a report that left the slider alone keeps the unit at 40 %
  const track = (await contact('GET', `/api/v1/items/${id}`)).json.tracks[0]
  assert.equal(track.progress, 40)
  // 申请办结: what the request does to 总体进度 (the unit head's signature counts the unit at 100 %)
  await page.click('[data-test=act-request_completion]')
  const note = page.locator('[data-test=action-completion-progress]')
  await note.waitFor()
  assert.match(await note.textContent(), /负责人核签.*100%.*总体进度（现为 40%）.*督查室审核办结后总体进度为 100%/)
  await fitsThePhone(page)
  await shot(page, 'item-phone-request-completion')
  await page.locator('[data-test=action-text]').fill('路灯已全部更换。')
  await page.click('[data-test=action-submit]')
  await page.locator('[data-test=action-dialog]').waitFor({ state: 'hidden' })
  // requested, not signed: the unit and the item still at 40 %; signed by the head: both at 100 % (the unit's card
  // said 40 % beside a 总体进度 of 100 %)
  await page.locator('[data-test=item-tracks] [data-test=track-progress]', { hasText: '40%' }).waitFor()
  await page.locator('[data-test=item-progress]', { hasText: '40%' }).waitFor()
  assert.equal((await (await apiAs(server, 'gc_head'))('POST', `/api/v1/items/${id}/actions/sign`, {})).status, 200)
  await page.reload()
  await page.locator('[data-test=item-tracks] [data-test=track-progress]', { hasText: '100%' }).waitFor()
  await page.locator('[data-test=item-progress]', { hasText: '100%' }).waitFor()
  await assertNoErrors(t, page)
})

test('a parent item\'s 子事项 on a phone: a card per child item, nothing sideways', async (t) => {
  // the city office's item for 古城县人民政府, approved by a city deputy and director made here, decomposed by the county
  const admin = await apiAs(server, 'admin')
  const ids = {}
  for (const code of ['lc', 'gc', 'gc-jt', 'gc-zj']) ids[code] = (await admin('GET', `/api/v1/units?q=${code}&limit=100`)).json.units.find((u) => u.code === code).id
  const unit = (code) => ids[code]
  for (const role of ['deputy', 'director']) {
    const r = await admin('POST', '/api/v1/users', { username: `lc_${role}_phone`, name: `市${role}`, unit_id: unit('lc'), password: 'Demo2026x',
      must_change_password: false, roles: [{ role, unit_id: unit('lc') }] })
    assert.equal(r.status, 201, JSON.stringify(r.json))
  }
  const city = await apiAs(server, 'lc_office')
  const r = await city('POST', '/api/v1/items', { title: '全市农村公路提档升级（手机子事项）', requirement: '各县完成农村公路改造任务', source_kind: 'work_report',
    lead_unit_id: unit('gc'), due_date: inDays(100), submit: true })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  const pid = r.json.id
  for (const role of ['deputy', 'director']) assert.equal((await (await apiAs(server, `lc_${role}_phone`, 'Demo2026x'))('POST', `/api/v1/items/${pid}/actions/approve`, {})).status, 200)
  assert.equal((await city('POST', `/api/v1/items/${pid}/actions/assign`, {})).status, 200)
  const county = await apiAs(server, 'gc_office')
  for (const [title, code] of [['城关片区农村公路改造提升及沿线安全防护设施完善', 'gc-jt'], ['危桥改造', 'gc-zj']]) {
    const c = await county('POST', `/api/v1/items/${pid}/children`, { title, source_kind: 'work_report', lead_unit_id: unit(code), due_date: inDays(60) })
    assert.equal(c.status, 201, JSON.stringify(c.json))
  }
  const page = await newPage(browser, server, PHONE)
  await loginTo(page, 'gc_office', `/items/${pid}`)
  await page.locator('[data-test=item-children] .el-table__row').nth(1).waitFor()
  await fitsThePhone(page, 'item-children', 'card-title')
  const cards = await page.locator('[data-test=item-children] [data-test=card]').allInnerTexts()
  assert.ok(cards.some((c) => /城关片区农村公路改造/.test(c) && /古城县交通运输局/.test(c)), cards.join('|'))
  await page.locator('[data-test=item-children]').scrollIntoViewIfNeeded()
  await shot(page, 'item-children-phone')
  await assertNoErrors(t, page)
})
