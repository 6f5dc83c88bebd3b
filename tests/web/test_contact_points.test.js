// Grassroots contact points (基层联系点) in the browser: the office lists its county's points, designates a new one
// (told at the field that the focus is missing), edits and ends it; the point's liaison officer (gc_town, 城关镇)
// reports on a phone (told at the field that the description is missing) and reads the report's status and the
// office's replies, never the office's clue; the office finds the report as a clue to sort (线索待分拣) on its
// workbench, its page naming the contact point, and the point's page linking each report to its clue; another
// county's office never sees the point; a unit that is no point is told so, and a leader reads the point with no
// form to report.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, toast, pick, apiAs, assertNoErrors, markTexts,
  fitsThePhone, PHONE } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const POINT = '城关镇基层联系点'
// the demo's point of 城关镇, as the office reads it
async function gcPoint() {
  const office = await apiAs(server, 'gc_office')
  const r = await office('GET', '/api/v1/contact-points?q=' + encodeURIComponent('城关镇'))
  assert.equal(r.status, 200, JSON.stringify(r.json))
  const p = r.json.contact_points.find((x) => x.name === POINT)
  assert.ok(p, `the demo has ${POINT}: ${JSON.stringify(r.json)}`)
  return p
}
const rowsOf = (page, table) => page.locator(`[data-test=${table}] .el-table__row`)
// waits until every row of the table names `text` (the answer to a filter, not the list before it)
const allRowsName = (page, table, text) => page.waitForFunction(([table, text]) => {
  const rows = [...document.querySelectorAll(`[data-test=${table}] .el-table__body .el-table__row`)]
  return rows.length > 0 && rows.every((r) => r.textContent.includes(text))
}, [table, text])

// the number the report of the liaison officer's test got (the office's test looks for it)
let reported = ''

test('the office lists its points, designates one (the focus marked when left blank), edits and ends it', async (t) => {
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  await page.click('[data-test=menu-contact-points]')
  const gc = rowsOf(page, 'cp-table').filter({ hasText: POINT })
  await gc.waitFor()
  const text = await gc.textContent()
  assert.match(text, /古城县城关镇人民政府/)
  assert.match(text, /联系中/)
  assert.match(text, /惠企政策落实/)
  assert.match(text, /\d+ 件，未办结 \d+ 件/)
  await shot(page, 'contact-points')
  // the state filter: the ended ones only (the demo's 岳阳镇), then all again
  await page.locator('[data-test=cp-state] label', { hasText: '已撤销' }).click()
  await allRowsName(page, 'cp-table', '已撤销')
  assert.equal(await rowsOf(page, 'cp-table').filter({ hasText: POINT }).count(), 0)
  await page.locator('[data-test=cp-state] label', { hasText: '全部' }).click()
  // the search
  await page.fill('[data-test=cp-q]', '城关镇')
  await page.click('[data-test=cp-search]')
  await allRowsName(page, 'cp-table', '城关镇')
  await page.fill('[data-test=cp-q]', '')
  await page.click('[data-test=cp-search]')

  // a new point for 北平镇: the focus left blank is marked at its field, nothing is sent
  const office = await apiAs(server, 'gc_office')
  const count = async () => (await office('GET', '/api/v1/contact-points?limit=100')).json.contact_points.length
  const before = await count()
  await page.click('[data-test=cp-new]')
  const dlg = page.locator('[data-test=cp-dialog]')
  await dlg.waitFor()
  await pick(page, dlg.locator('.el-form-item', { hasText: '所在单位' }), '北平镇', '古城县北平镇人民政府')
  await page.click('[data-test=cp-f-save]')
  assert.deepEqual(await markTexts(dlg), ['请填写：联系重点'])
  assert.equal(await count(), before, 'nothing was sent')
  await dlg.locator('[data-test=cp-f-focus]').fill('农村人居环境整治、村级组织减负')
  await dlg.locator('[data-test=cp-f-note]').fill('镇党政办负责对接')
  await page.click('[data-test=cp-f-save]')
  await page.waitForURL(/\/contact-points\/\d+$/)
  const id = Number(new URL(page.url()).pathname.split('/').pop())
  // the name the server gives when none is typed: the unit's name and 基层联系点
  await page.locator('[data-test=cp-title]', { hasText: '古城县北平镇人民政府基层联系点' }).waitFor()
  assert.match(await toast(page, 'success', /已新增联系点/), /古城县北平镇人民政府基层联系点/)
  assert.equal((await page.locator('[data-test=cp-state]').textContent()).trim(), '联系中')
  await page.locator('[data-test=cp-note]', { hasText: '镇党政办负责对接' }).waitFor()
  assert.equal(await page.locator('[data-test=cp-report-form]').count(), 0, 'the office reports through no point')
  assert.equal(await count(), before + 1)

  // the edit: the focus emptied is marked; then saved with the version read
  await page.click('[data-test=cp-edit]')
  const ed = page.locator('[data-test=cp-edit-dialog]')
  await ed.waitFor()
  assert.equal(await ed.locator('[data-test=cp-e-name]').inputValue(), '古城县北平镇人民政府基层联系点')
  await ed.locator('[data-test=cp-e-focus]').fill('')
  await page.click('[data-test=cp-e-save]')
  assert.deepEqual(await markTexts(ed), ['请填写：联系重点'])
  await ed.locator('[data-test=cp-e-name]').fill('北平镇基层联系点')
  await ed.locator('[data-test=cp-e-focus]').fill('农村人居环境整治、村级组织减负、高标准农田建设')
  await ed.locator('[data-test=cp-e-note]').fill('每季度走访一次')
  await page.click('[data-test=cp-e-save]')
  await ed.waitFor({ state: 'hidden' })
  await page.locator('[data-test=cp-title]', { hasText: '北平镇基层联系点' }).waitFor()
  await page.locator('[data-test=cp-focus]', { hasText: '高标准农田建设' }).waitFor()
  await page.locator('[data-test=cp-note]', { hasText: '每季度走访一次' }).waitFor()
  const saved = (await office('GET', `/api/v1/contact-points/${id}`)).json
  assert.equal(saved.name, '北平镇基层联系点')
  assert.equal(saved.focus, '农村人居环境整治、村级组织减负、高标准农田建设')
  assert.equal(saved.version, 2)

  // the end: the reason left blank is marked; then the point is ended, nothing left to edit or end
  await page.click('[data-test=cp-end]')
  const end = page.locator('[data-test=cp-end-dialog]')
  await end.waitFor()
  await page.click('[data-test=cp-end-save]')
  assert.deepEqual(await markTexts(end), ['请填写：撤销原因'])
  await end.locator('[data-test=cp-end-reason]').fill('调整联系点布局')
  await page.click('[data-test=cp-end-save]')
  await end.waitFor({ state: 'hidden' })
  await page.locator('[data-test=cp-state]', { hasText: '已撤销' }).waitFor()
  await page.locator('[data-test=cp-ended]', { hasText: '调整联系点布局' }).waitFor()
  assert.equal(await page.locator('[data-test=cp-edit]').count(), 0)
  assert.equal(await page.locator('[data-test=cp-end]').count(), 0)
  const ended = (await office('GET', `/api/v1/contact-points/${id}`)).json
  assert.equal(ended.state, 'ended')
  assert.equal(ended.end_reason, '调整联系点布局')
  // the list shows it ended
  await page.click('[data-test=menu-contact-points]')
  await rowsOf(page, 'cp-table').filter({ hasText: '北平镇基层联系点' }).filter({ hasText: '已撤销' }).waitFor()
  await assertNoErrors(t, page)
  // a unit that is an active point already (城关镇) is not designated twice: 409, nothing made
  const n = await count()
  const again = await office('POST', '/api/v1/contact-points', { unit_id: (await gcPoint()).unit_id, focus: '再次确定' })
  assert.equal(again.status, 409, JSON.stringify(again.json))
  assert.equal(await count(), n)
})

test('the point\'s liaison officer reports on a phone (the description marked when left blank) and reads its status', async (t) => {
  const town = await apiAs(server, 'gc_town')
  const mine = (await town('GET', '/api/v1/contact-points')).json.contact_points
  assert.deepEqual(mine.map((p) => p.name), [POINT], 'a point\'s people see their own unit\'s point')
  assert.equal(mine[0].note, null, 'the office\'s note is the office\'s')
  assert.deepEqual(mine[0].can, { edit: false, end: false, report: true, visit: false })

  const page = await newPage(browser, server, PHONE)
  await loginTo(page, 'gc_town', '/contact-points')
  await rowsOf(page, 'cp-table').filter({ hasText: POINT }).click()
  await page.waitForURL(/\/contact-points\/\d+$/)
  const form = page.locator('[data-test=cp-report-form]')
  await form.waitFor()
  assert.equal(await page.locator('[data-test=cp-edit]').count(), 0)
  assert.equal(await page.locator('[data-test=cp-end]').count(), 0)
  assert.equal(await page.locator('[data-test=cp-note]').count(), 0)
  assert.ok(!(await page.content()).includes('每月第一周电话回访'), 'no word of the office\'s note')
  // the earlier reports: the office's reply, the reporter's status, no link to the office's clue
  await page.locator('[data-test=cp-report-reply]', { hasText: '已于本周全部拨付到账' }).waitFor()
  assert.ok(await page.locator('[data-test=cp-report-status]').count() >= 1)
  assert.equal(await page.locator('[data-test=cp-report-link]').count(), 0)

  // the category chosen, the description left blank: marked at its field, nothing sent
  const reports = async () => (await town('GET', `/api/v1/contact-points/${mine[0].id}/reports`)).json.reports
  const before = (await reports()).length
  await pick(page, form.locator('.el-form-item', { hasText: '问题类别' }), '基层减负')
  await form.locator('[data-test=cp-r-title]').fill('村级活动场所挂牌过多')
  await page.click('[data-test=cp-r-submit]')
  assert.deepEqual(await markTexts(form), ['请填写：情况描述'])
  assert.equal((await reports()).length, before)
  await form.locator('[data-test=cp-r-description]').fill('城关镇各村活动场所门口挂着十几块牌子，上级各部门检查时要求按各自标准挂牌，村里无所适从，希望统一规范。')
  await form.locator('[data-test=cp-r-place]').fill('城关镇各村（社区）')
  await form.scrollIntoViewIfNeeded()
  await shot(page, 'contact-point-report')
  await fitsThePhone(page)
  await page.click('[data-test=cp-r-submit]')
  const said = await toast(page, 'success', /已提交/)
  reported = said.replace(/^已提交，编号\s*/, '').trim()
  assert.match(reported, /^古线〔\d{4}〕\d+号$/, said)
  // the list shows it with the words for a reporter; the form is empty again
  const row = rowsOf(page, 'cp-reports').filter({ hasText: reported })
  await row.waitFor()
  assert.match(await row.textContent(), /村级活动场所挂牌过多/)
  const got = (await reports()).find((r) => r.number === reported)
  assert.ok(got, 'the server lists the report')
  assert.equal(got.closed, false)
  assert.equal(got.clue_id, undefined, 'no clue for the reporter to open')
  assert.equal((await row.locator('[data-test=cp-report-status]').textContent()).trim(), got.status)
  assert.equal(await form.locator('[data-test=cp-r-description]').inputValue(), '')
  await fitsThePhone(page, 'cp-reports', 'cp-report-title')
  await assertNoErrors(t, page)
})

test('the office finds the report as a clue to sort, naming its contact point, linked both ways', async (t) => {
  assert.ok(reported, 'the liaison officer\'s report (the test before) has its number')
  const point = await gcPoint()
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  // the workbench: the clue's to-do 线索待分拣 (the list drawn first: a count taken before would find nothing)
  await page.locator('[data-test=wb-todos] .wb-todo').first().waitFor()
  if (await page.locator('[data-test=wb-card-kind-clue]').count()) {
    await page.click('[data-test=wb-card-kind-clue]')
    await page.waitForFunction(() => [...document.querySelectorAll('[data-test=wb-todos] .wb-todo')].every((r) => /线索/.test(r.textContent)))
  }
  let todo = null
  for (let i = 0; i < 30 && !todo; i++) {
    await page.waitForLoadState('networkidle')
    const row = page.locator('[data-test=wb-todos] .wb-todo', { hasText: reported })
    if (await row.count()) todo = row.first()
    else if (await page.locator('[data-test=wb-more]').count()) await page.click('[data-test=wb-more]')
    else break
  }
  assert.ok(todo, `a to-do for ${reported} on the office's workbench`)
  assert.match(await todo.textContent(), /线索待分拣/)
  await todo.click()
  await page.waitForURL(/\/clues\/\d+$/)
  await page.locator('[data-test=clue-state]', { hasText: '待分拣' }).waitFor()
  assert.equal((await page.locator('[data-test=clue-number]').textContent()).trim(), reported)
  assert.match(await page.locator('.panel.head').textContent(), /基层联系点/, 'the source: 基层联系点')
  const office = await apiAs(server, 'gc_office')
  const clueId = Number(new URL(page.url()).pathname.split('/').pop())
  const clue = (await office('GET', `/api/v1/clues/${clueId}`)).json
  assert.equal(clue.source, 'contact_point')
  assert.deepEqual(clue.contact_point, { id: point.id, name: POINT })
  const link = page.locator('[data-test=clue-contact-point]')
  assert.equal((await link.textContent()).trim(), POINT)
  assert.match(await page.locator('.kv').first().textContent(), /来源联系点/)
  await shot(page, 'contact-point-clue')
  await link.click()
  await page.waitForURL((u) => u.pathname === `/contact-points/${point.id}`)
  // the office's view of the point: its note, the reports linked to their clues
  await page.locator('[data-test=cp-note]', { hasText: '每月第一周电话回访' }).waitFor()
  const row = rowsOf(page, 'cp-reports').filter({ hasText: reported })
  await row.waitFor()
  await row.locator('[data-test=cp-report-state]', { hasText: '待分拣' }).waitFor()
  assert.equal(await page.locator('[data-test=cp-report-form]').count(), 0)
  await shot(page, 'contact-point-detail')
  await row.locator('[data-test=cp-report-link]').click()
  await page.waitForURL(/\/clues\/\d+$/)
  await page.locator('[data-test=clue-number]', { hasText: reported }).waitFor()
  // the clue list filtered to the point's clues; its source filter offers 基层联系点
  await page.goto(`/contact-points/${point.id}`)
  await page.click('[data-test=cp-all-clues]')
  await page.waitForURL((u) => u.pathname === '/clues' && u.searchParams.get('contact_point_id') === String(point.id))
  await page.locator('[data-test=clue-cp-filter]', { hasText: POINT }).waitFor()
  await rowsOf(page, 'clue-table').filter({ hasText: reported }).waitFor()
  const listed = (await office('GET', `/api/v1/clues?contact_point_id=${point.id}&per_page=100`)).json.clues
  assert.ok(listed.length >= 2 && listed.every((c) => c.source === 'contact_point'), JSON.stringify(listed.map((c) => c.source)))
  assert.equal(await rowsOf(page, 'clue-table').count(), listed.length)
  await page.locator('.filters .el-select', { hasText: '来源' }).click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: '基层联系点' }).waitFor()
  await page.keyboard.press('Escape')
  await assertNoErrors(t, page)
})

test('another county\'s office never sees the point', async (t) => {
  const point = await gcPoint()
  const ap = await apiAs(server, 'ap_office')
  const list = (await ap('GET', '/api/v1/contact-points?limit=100')).json.contact_points
  assert.ok(!list.some((p) => p.id === point.id), 'not in 安平县\'s list')
  assert.equal((await ap('GET', `/api/v1/contact-points/${point.id}`)).status, 404)
  assert.equal((await ap('GET', `/api/v1/contact-points/${point.id}/reports`)).status, 404)
  const page = await newPage(browser, server)
  await loginTo(page, 'ap_office', '/contact-points')
  await page.locator('[data-test=cp-table], [data-test=cp-empty]').first().waitFor()
  await page.waitForLoadState('networkidle')
  assert.equal(await rowsOf(page, 'cp-table').filter({ hasText: POINT }).count(), 0)
  assert.ok(!(await page.locator('.main').textContent()).includes('城关镇'))
  await page.goto(`/contact-points/${point.id}`)
  await page.locator('[data-test=cp-failed]').waitFor()
  assert.equal(await page.locator('[data-test=cp-title]').count(), 0)
  assert.ok(!(await page.content()).includes('惠企政策落实'))
  await assertNoErrors(t, page)
})

test('a unit that is no point is told so and cannot report; a leader reads the point with no form', async (t) => {
  const point = await gcPoint()
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_contact', '/contact-points')
  await page.locator('[data-test=cp-empty]', { hasText: '本单位不是基层联系点' }).waitFor()
  assert.equal(await page.locator('[data-test=cp-table]').count(), 0)
  assert.equal(await page.locator('[data-test=cp-new]').count(), 0)
  await page.goto(`/contact-points/${point.id}`)
  await page.locator('[data-test=cp-failed], [data-test=cp-title]').first().waitFor()
  await page.waitForLoadState('networkidle')
  assert.equal(await page.locator('[data-test=cp-report-form]').count(), 0)
  await assertNoErrors(t, page)
  const contact = await apiAs(server, 'gc_contact')
  const refused = await contact('POST', `/api/v1/contact-points/${point.id}/reports`, { category: 'burden', description: '交通运输局代城关镇反映的情况。' })
  assert.ok([403, 404].includes(refused.status), JSON.stringify(refused.json))
  assert.equal((await gcPoint()).reports.total, point.reports.total, 'nothing was reported')
  // the town's head may report too: a point's contact or head
  const head = (await (await apiAs(server, 'gc_townhead'))('GET', `/api/v1/contact-points/${point.id}`)).json
  assert.equal(head.can.report, true)

  // the county's leader reads the point, with nothing to edit, end or report, and not its reports: which clues came
  // through a point is the office's to know (no count, no list)
  const leader = await newPage(browser, server)
  await loginTo(leader, 'gc_leader', `/contact-points/${point.id}`)
  await leader.locator('[data-test=cp-title]', { hasText: POINT }).waitFor()
  await leader.locator('[data-test=cp-visits-count]').waitFor()
  await leader.waitForLoadState('networkidle')
  for (const x of ['cp-report-form', 'cp-edit', 'cp-end', 'cp-all-clues', 'cp-reports-panel', 'cp-reports-count']) {
    assert.equal(await leader.locator(`[data-test=${x}]`).count(), 0, x)
  }
  // nor in the list: the point is there, the reports' column is not
  await leader.goto('/contact-points')
  await leader.locator('[data-test=cp-name]', { hasText: POINT }).waitFor()
  assert.equal(await leader.locator('[data-test=cp-row-reports]').count(), 0, 'no reports column for the leader')
  await assertNoErrors(t, leader)
})
