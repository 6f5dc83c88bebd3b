// Research visits at a contact point (驻点调研) and their research reports (调研报告) in the browser: the office
// (gc_office) records a visit at 城关镇基层联系点 (told at the field that the topic is missing), writes the report's
// situation and analysis, submits it to the leaders and is told at 建议 that the server refuses a report without
// suggestions ("有情况、有分析、有建议"), fills them in and submits; the county's principal (gc_principal) opens the
// message in the inbox and reads the report's three parts; a leader (gc_leader) reads it on a phone from the
// message's address (?visit=) and never sees the office's drafts; the point's own liaison officer (gc_town) sees the
// visit at the point, on a phone, but no word of its report.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { startServer, startBrowser, newPage, loginTo, shot, toast, apiAs, assertNoErrors, markTexts, fieldMarks,
  fitsThePhone, PHONE, inDays } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const POINT = '城关镇基层联系点'
const TOPIC = '农村集体经济发展情况驻点调研'
const TEAM = '王明（县政府督查室）、李华（县发展改革委）'
const SITUATION = '调研组在城关镇走访行政村9个，召开村干部座谈会2场。全镇村级集体经营性收入超过20万元的村有5个，不足5万元的村有3个。'
const ANALYSIS = '收入主要来自资产出租，来源单一；部分村缺少懂经营的带头人，闲置资产盘活不够，村与村之间差距较大。'
const SUGGESTIONS = '一是推行强村带弱村、抱团发展；二是清查盘活闲置资产资源；三是选派懂经营的干部驻村指导，落实集体经济发展奖补政策。'
// the visit's dates: a week ago, three days long (newer than any the demo may have, so listed first)
const FROM = inDays(-7)
const TO = inDays(-5)
// a day as the Chinese page writes it (2026年11月30日)
const zhDay = (ymd) => { const [y, m, d] = ymd.split('-').map(Number); return `${y}年${m}月${d}日` }

// the demo's point of 城关镇, as the office reads it
async function gcPoint() {
  const office = await apiAs(server, 'gc_office')
  const r = await office('GET', '/api/v1/contact-points?q=' + encodeURIComponent('城关镇'))
  assert.equal(r.status, 200, JSON.stringify(r.json))
  const p = r.json.contact_points.find((x) => x.name === POINT)
  assert.ok(p, `the demo has ${POINT}: ${JSON.stringify(r.json)}`)
  return p
}
const visitsAs = async (user, pointId) => {
  const r = await (await apiAs(server, user))('GET', `/api/v1/contact-points/${pointId}/visits`)
  assert.equal(r.status, 200, `${user}: ${JSON.stringify(r.json)}`)
  return r.json.visits
}
const visitRow = (page, topic) => page.locator('[data-test=cp-visits] .el-table__row').filter({ hasText: topic })
// the confirmation (ElMessageBox) answered with its confirm button
async function confirm(page, re) {
  const box = page.locator('.el-message-box')
  await box.waitFor()
  assert.match(await box.textContent(), re)
  await box.locator('.el-button--primary').click()
  await box.waitFor({ state: 'hidden' })
}

// the visit the office's test made (the others read it)
let point = null
let visit = null

test('the office records a research visit (the topic marked when blank), writes its report and submits it to the leaders (建议 marked when missing)', async (t) => {
  point = await gcPoint()
  const office = await apiAs(server, 'gc_office')
  const count = async () => (await visitsAs('gc_office', point.id)).length
  const before = await count()
  const detail = (await office('GET', `/api/v1/contact-points/${point.id}`)).json
  assert.equal(detail.can.visit, true, 'the office may record a visit')
  assert.deepEqual(Object.keys(detail.visits).sort(), ['submitted', 'total'])

  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', `/contact-points/${point.id}`)
  await page.locator('[data-test=cp-title]', { hasText: POINT }).waitFor()
  const panel = page.locator('[data-test=cp-visits-panel]')
  await panel.waitFor()
  assert.equal((await page.locator('[data-test=cp-visits-count]').textContent()).trim(),
    `${detail.visits.total} 次，已报送调研报告 ${detail.visits.submitted} 篇`)

  // the dates and the team typed, the topic left blank: marked at its field, nothing sent
  await page.click('[data-test=cp-visit-new]')
  const dlg = page.locator('[data-test=cp-visit-dialog]')
  await dlg.waitFor()
  assert.match(await dlg.locator('.el-dialog__title').textContent(), /记录驻点调研/)
  const range = dlg.locator('.el-range-input')
  await range.first().fill(FROM)
  await range.last().fill(TO)
  await range.last().press('Enter')
  await dlg.locator('.el-alert').click() // closes the picker (Escape would close the dialog)
  assert.deepEqual(await range.evaluateAll((els) => els.map((e) => e.value)), [FROM, TO])
  await dlg.locator('[data-test=cp-v-team]').fill(TEAM)
  await dlg.locator('[data-test=cp-v-save]').click()
  assert.deepEqual(await markTexts(dlg), ['请填写：调研题目'])
  assert.equal(await dlg.locator('.el-form-item.is-error').filter({ has: page.locator('[data-test=cp-v-topic]') }).count(), 1,
    'the mark is at the topic')
  assert.equal(await count(), before, 'nothing was sent')

  // the topic, the situation and the analysis; the suggestions not yet written: saved as a draft
  await dlg.locator('[data-test=cp-v-topic]').fill(TOPIC)
  await fieldMarks(dlg).first().waitFor({ state: 'detached' })
  await dlg.locator('[data-test=cp-v-situation]').fill(SITUATION)
  await dlg.locator('[data-test=cp-v-analysis]').fill(ANALYSIS)
  await shot(page, 'contact-point-visit')
  await dlg.locator('[data-test=cp-v-save]').click()
  await dlg.waitFor({ state: 'hidden' })
  await toast(page, 'success', /已记录驻点调研/)
  const row = visitRow(page, TOPIC)
  await row.waitFor()
  await row.locator('[data-test=cp-visit-state]', { hasText: '草稿' }).waitFor()
  assert.match(await row.locator('[data-test=cp-visit-team]').textContent(), /王明（县政府督查室）/)
  assert.equal((await row.locator('[data-test=cp-visit-dates]').textContent()).trim(), `${zhDay(FROM)} 至 ${zhDay(TO)}`)
  assert.equal(await count(), before + 1)
  visit = (await visitsAs('gc_office', point.id)).find((v) => v.topic === TOPIC)
  assert.ok(visit, 'the server lists the visit')
  assert.deepEqual([visit.state, visit.state_label, visit.start_date, visit.end_date, visit.team, visit.situation, visit.analysis, visit.suggestions],
    ['draft', '草稿', FROM, TO, TEAM, SITUATION, ANALYSIS, ''])
  assert.deepEqual(visit.can, { edit: true, submit: true })

  // 报送领导 with the suggestions missing: the server's refusal marked at 建议 in the draft, nothing submitted
  await row.locator('[data-test=cp-visit-submit]').click()
  await confirm(page, /农村集体经济发展情况驻点调研.*报送政府领导/)
  await dlg.waitFor()
  assert.match(await dlg.locator('.el-dialog__title').textContent(), /修改驻点调研/)
  const marks = await markTexts(dlg)
  assert.equal(marks.length, 1, JSON.stringify(marks))
  assert.match(marks[0], /建议/)
  assert.equal(await dlg.locator('.el-form-item.is-error').filter({ has: page.locator('[data-test=cp-v-suggestions]') }).count(), 1,
    'the mark is at 建议')
  assert.match(await toast(page, 'error'), /有情况、有分析、有建议/)
  assert.equal((await visitsAs('gc_office', point.id)).find((v) => v.id === visit.id).state, 'draft')
  // the draft kept what was written; the suggestions filled in and saved (with the version read)
  assert.equal(await dlg.locator('[data-test=cp-v-situation]').inputValue(), SITUATION)
  await dlg.locator('[data-test=cp-v-suggestions]').fill(SUGGESTIONS)
  await fieldMarks(dlg).first().waitFor({ state: 'detached' })
  await dlg.locator('[data-test=cp-v-save]').click()
  await dlg.waitFor({ state: 'hidden' })
  await toast(page, 'success', /已保存/)
  const saved = (await visitsAs('gc_office', point.id)).find((v) => v.id === visit.id)
  assert.equal(saved.suggestions, SUGGESTIONS)
  assert.equal(saved.version, visit.version + 1)

  // submitted: 已报送, nothing left to edit or submit
  await row.locator('[data-test=cp-visit-submit]').click()
  await confirm(page, /报送后不能再修改/)
  await toast(page, 'success', /已报送政府领导/)
  await row.locator('[data-test=cp-visit-state]', { hasText: '已报送' }).waitFor()
  await row.locator('[data-test=cp-visit-submitted]', { hasText: /报送/ }).waitFor()
  assert.equal(await row.locator('[data-test=cp-visit-edit]').count(), 0)
  assert.equal(await row.locator('[data-test=cp-visit-submit]').count(), 0)
  visit = (await visitsAs('gc_office', point.id)).find((v) => v.id === visit.id)
  assert.equal(visit.state, 'submitted')
  assert.equal(visit.state_label, '已报送')
  assert.ok(visit.submitted_at && visit.submitted_by_name, JSON.stringify(visit))
  assert.deepEqual(visit.can, { edit: false, submit: false })
  const after = (await office('GET', `/api/v1/contact-points/${point.id}`)).json.visits
  assert.deepEqual(after, { total: detail.visits.total + 1, submitted: detail.visits.submitted + 1 })
  await page.locator('[data-test=cp-visits-count]', { hasText: `${after.total} 次，已报送调研报告 ${after.submitted} 篇` }).waitFor()
  await panel.scrollIntoViewIfNeeded()
  await shot(page, 'contact-point-visits')
  // a submitted report is changed no more: 409
  const late = await office('PATCH', `/api/v1/contact-points/${point.id}/visits/${visit.id}`, { version: visit.version, topic: '改动' })
  assert.equal(late.status, 409, JSON.stringify(late.json))

  // the office reads the report it submitted: the address names it
  await row.locator('[data-test=cp-visit-topic]').click()
  const report = page.locator('[data-test=cp-visit-report]')
  await report.locator('[data-test=cp-vr-suggestions]', { hasText: '抱团发展' }).waitFor()
  await page.waitForURL((u) => u.searchParams.get('visit') === String(visit.id))
  await report.locator('.el-drawer__close-btn').click()
  await report.waitFor({ state: 'hidden' })
  await page.waitForURL((u) => !u.searchParams.has('visit'))
  await assertNoErrors(t, page)
})

test('the principal opens the message and reads the report; a leader reads it on a phone and never sees a draft', async (t) => {
  assert.ok(visit?.state === 'submitted', 'the office\'s test (before) submitted its visit')
  const link = `/contact-points/${point.id}?visit=${visit.id}`
  // the office's draft (set up through the API): the leaders never see it
  const office = await apiAs(server, 'gc_office')
  const draft = await office('POST', `/api/v1/contact-points/${point.id}/visits`,
    { topic: '基层减负情况调研（草稿）', start_date: inDays(-2), end_date: inDays(-1), team: '赵强（县政府督查室）' })
  assert.equal(draft.status, 201, JSON.stringify(draft.json))
  assert.equal(draft.json.state, 'draft')
  for (const user of ['gc_principal', 'gc_leader']) {
    const seen = await visitsAs(user, point.id)
    assert.ok(seen.some((v) => v.id === visit.id), `${user} reads the submitted report`)
    assert.ok(!seen.some((v) => v.id === draft.json.id), `${user} never sees the office's draft`)
    assert.ok(seen.every((v) => v.state === 'submitted'))
  }

  // the principal's message (kind report) links to the report
  const principal = await apiAs(server, 'gc_principal')
  const inbox = (await principal('GET', '/api/v1/inbox?limit=100')).json.messages
  const msg = inbox.find((m) => m.link === link)
  assert.ok(msg, `a message linking ${link}: ${JSON.stringify(inbox.slice(0, 5))}`)

  const page = await newPage(browser, server)
  await loginTo(page, 'gc_principal', '/inbox')
  const m = page.locator('[data-test=inbox-message]').filter({ hasText: msg.subject }).filter({ hasText: msg.body.slice(0, 30) }).first()
  await m.locator('[data-test=inbox-open]').click()
  await page.waitForURL((u) => u.pathname === `/contact-points/${point.id}` && u.searchParams.get('visit') === String(visit.id))
  const report = page.locator('[data-test=cp-visit-report]')
  await report.locator('[data-test=cp-vr-topic]', { hasText: TOPIC }).waitFor()
  const text = await report.textContent()
  for (const x of ['一、基本情况', '二、分析', '三、建议', POINT, TEAM]) assert.ok(text.includes(x), x)
  assert.equal((await report.locator('[data-test=cp-vr-situation]').textContent()).trim(), SITUATION)
  assert.equal((await report.locator('[data-test=cp-vr-analysis]').textContent()).trim(), ANALYSIS)
  assert.equal((await report.locator('[data-test=cp-vr-suggestions]').textContent()).trim(), SUGGESTIONS)
  assert.equal((await report.locator('[data-test=cp-vr-state]').textContent()).trim(), '已报送')
  // the headings come in the report's order
  assert.ok(text.indexOf('一、基本情况') < text.indexOf('二、分析') && text.indexOf('二、分析') < text.indexOf('三、建议'))
  assert.equal(await report.locator('[data-test=cp-vr-edit], [data-test=cp-vr-submit]').count(), 0, 'the principal changes nothing')
  await shot(page, 'contact-point-visit-report')
  // and as the official document the leaders file: the PDF with the three parts
  const [dl] = await Promise.all([page.waitForEvent('download'), report.locator('[data-test=cp-vr-pdf]').click()])
  assert.match(dl.suggestedFilename(), /^调研报告-\d+\.pdf$/)
  const pdfText = execFileSync('pdftotext', ['-layout', await dl.path(), '-'], { encoding: 'utf8' }).replace(/\s+/g, '')
  for (const part of ['一、基本情况', '二、分析', '三、建议', TOPIC]) assert.ok(pdfText.includes(part), `the PDF has ${part}`)
  await report.locator('.el-drawer__close-btn').click()
  await report.waitFor({ state: 'hidden' })
  // the list: the submitted visit, not the draft, and nothing to record
  await visitRow(page, TOPIC).waitFor()
  assert.equal(await visitRow(page, '基层减负情况调研（草稿）').count(), 0)
  assert.equal(await page.locator('[data-test=cp-visit-new]').count(), 0)
  await assertNoErrors(t, page)

  // a leader on a phone, from the message's address: the report opens at once and fits the screen
  const phone = await newPage(browser, server, PHONE)
  await loginTo(phone, 'gc_leader', link)
  const onPhone = phone.locator('[data-test=cp-visit-report]')
  await onPhone.locator('[data-test=cp-vr-suggestions]', { hasText: '抱团发展' }).waitFor()
  await fitsThePhone(phone)
  const box = await onPhone.boundingBox()
  assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width + 1, `the report within the screen: ${JSON.stringify(box)}`)
  await shot(phone, 'contact-point-visit-report-phone')
  await assertNoErrors(t, phone)
  // the message is a system notice (系统通知): the kind report is the overdue items' report to the principal
  assert.equal(msg.kind, 'system', JSON.stringify(msg))
})

test('the point\'s liaison officer sees the visits at the point on a phone, never the report', async (t) => {
  assert.ok(visit?.state === 'submitted', 'the office\'s test (before) submitted its visit')
  const mine = await visitsAs('gc_town', point.id)
  const seen = mine.find((v) => v.id === visit.id)
  assert.ok(seen, 'the point\'s people see the visits at their point')
  assert.deepEqual([seen.topic, seen.start_date, seen.end_date, seen.team, seen.state], [TOPIC, FROM, TO, TEAM, 'submitted'])
  assert.deepEqual([seen.situation, seen.analysis, seen.suggestions], [null, null, null], 'no word of the report')
  assert.deepEqual(seen.can, { edit: false, submit: false })
  const town = await apiAs(server, 'gc_town')
  const refused = await town('POST', `/api/v1/contact-points/${point.id}/visits`, { topic: '自己记录', start_date: FROM, end_date: TO, team: '某某' })
  assert.equal(refused.status, 403, JSON.stringify(refused.json))

  const page = await newPage(browser, server, PHONE)
  // the leaders' address too: the point's people get no report from it
  await loginTo(page, 'gc_town', `/contact-points/${point.id}?visit=${visit.id}`)
  const row = visitRow(page, TOPIC)
  await row.waitFor()
  await row.locator('[data-test=cp-visit-state]', { hasText: '已报送' }).waitFor()
  assert.match(await row.textContent(), /王明（县政府督查室）/)
  await page.waitForLoadState('networkidle')
  for (const x of ['cp-visit-new', 'cp-visit-view', 'cp-visit-edit', 'cp-visit-submit']) assert.equal(await page.locator(`[data-test=${x}]`).count(), 0, x)
  assert.equal(await page.locator('[data-test=cp-visit-report] [data-test=cp-vr-topic]').count(), 0, 'no report opens')
  const html = await page.content()
  for (const x of [SITUATION, ANALYSIS, SUGGESTIONS, '一、基本情况']) assert.ok(!html.includes(x), `no word of the report: ${x}`)
  await page.locator('[data-test=cp-visits-panel]').scrollIntoViewIfNeeded()
  await shot(page, 'contact-point-visit-phone')
  await fitsThePhone(page, 'cp-visits', 'cp-visit-topic')
  await assertNoErrors(t, page)
})
