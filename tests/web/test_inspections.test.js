// An inspection's whole life in the browser, role by role (督查检查): the office starts next year's plan,
// the housing bureau proposes an inspection, the office includes it and submits the plan, the county head
// approves, the office files it and opens the inspection from the plan; the office names the team and
// submits the 督查方案, the county head approves it, the office starts it; a part-time inspector records
// what he saw on a phone with the phone's position and a photo; the team leader records a finding and
// submits the findings, the office issues them; the third-party evaluator engaged for it submits its
// evaluation; the unit's contact rectifies, its head signs, the office verifies; the problem being likely to
// rebound, its look-back (回头看) opens on its day and the office opens it; the office issues the conclusion (an official-document PDF), the unit's head signs for it and
// asks for a review, the office accepts, the county head decides — the team standing aside. A township
// user cannot open the demo's unannounced visit of his township; the roster shows the inspectors.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, toast, pick, apiAs, assertNoErrors, inDays, fieldMarks, markTexts } from './helper.js'

// the look-back opens in a scheduler pass after the test clock reaches its day: every second here, not every
// minute (the server inherits the environment)
process.env.DUCHA_SCHEDULER_INTERVAL_S = '1'

let server, browser
before(async () => { server = await startServer(['--test-clock']); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const YEAR = Number(inDays(0).slice(0, 4)) + 1

// a small JPEG whose Exif carries a GPS position, as a phone writes it
function jpegWithGps(lat, lon) {
  const b = []
  const u16 = (v) => b.push((v >> 8) & 255, v & 255)
  const u32 = (v) => { u16((v >>> 16) & 65535); u16(v & 65535) }
  const tiff = []
  const t16 = (v) => tiff.push((v >> 8) & 255, v & 255)
  const t32 = (v) => { t16((v >>> 16) & 65535); t16(v & 65535) }
  tiff.push(0x4d, 0x4d, 0, 42); t32(8)
  t16(1); t16(0x8825); t16(4); t32(1); t32(26); t32(0) // IFD0: the GPS IFD at 26
  t16(4) // GPS IFD: 4 entries, rationals from 80
  t16(1); t16(2); t32(2); tiff.push(78, 0, 0, 0)
  t16(2); t16(5); t32(3); t32(80)
  t16(3); t16(2); t32(2); tiff.push(69, 0, 0, 0)
  t16(4); t16(5); t32(3); t32(104)
  t32(0)
  for (const v of [lat, lon]) {
    const d = Math.floor(v), m = Math.floor((v - d) * 60), s = Math.round(((v - d) * 60 - m) * 60 * 100)
    t32(d); t32(1); t32(m); t32(1); t32(s); t32(100)
  }
  b.push(0xff, 0xd8, 0xff, 0xe1); u16(tiff.length + 8)
  b.push(0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff)
  b.push(0xff, 0xdb, 0, 4, 0, 0, 0xff, 0xda, 0, 2)
  for (let i = 0; i < 60; i++) b.push((i * 7) & 255)
  b.push(0xff, 0xd9)
  return Buffer.from(b)
}

// takes an action through its dialog (the button act-X on objects, plan-act-X on plans)
async function act(page, action, fill, prefix = 'act') {
  await page.click(`[data-test=${prefix}-${action}]`)
  const dlg = page.locator('[data-test=insp-action-dialog]:visible')
  await dlg.waitFor()
  if (fill) await fill(dlg)
  await dlg.locator('[data-test=act-submit]').click()
  await dlg.waitFor({ state: 'hidden' })
}
const planAct = (page, action) => act(page, action, null, 'plan-act')
async function range(scope, from, to) {
  const inputs = scope.locator('.el-date-editor input')
  await inputs.nth(0).fill(from)
  await inputs.nth(1).fill(to)
  await inputs.nth(1).press('Enter')
}
const stateIs = (page, sel, text) => page.locator(`[data-test=${sel}]`, { hasText: text }).waitFor()

test('plan → inspection → findings → rectification → conclusion → review, role by role', async (t) => {
  const subject = `液化气运输车辆安全专项督查（${YEAR}年网页测试）`

  // the office starts next year's plan
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  await office.click('[data-test=menu-plans]')
  await office.locator('[data-test=plan-table]').waitFor()
  await office.click('[data-test=plan-new]')
  await office.locator('[data-test=plan-dialog]').waitFor()
  await office.click('[data-test=plan-create]')
  await office.waitForURL(/\/inspections\/plans\/\d+$/)
  const planUrl = office.url()
  await stateIs(office, 'plan-state', '征集编制中')

  // the housing bureau (the gas regulator) proposes an inspection of the transport bureau's oversight of
  // LPG tankers
  const proposer = await newPage(browser, server)
  await loginTo(proposer, 'gc_head2', planUrl)
  await proposer.click('[data-test=plan-propose]')
  const dlg = proposer.locator('[data-test=propose-dialog]')
  await dlg.waitFor()
  // saved blank: every required field left blank is marked under it at once, nothing is sent
  await proposer.click('[data-test=propose-save]')
  assert.deepEqual(await markTexts(dlg, 3), ['请填写：督查主题', '请填写：督查对象', '请填写：督查时间'])
  await dlg.locator('[data-test=propose-subject]').fill(subject)
  await dlg.locator('[data-test=propose-matters]').fill('液化气运输车辆资质审查、动态监控和驾驶押运人员管理情况。')
  await pick(proposer, dlg.locator('[data-test=propose-targets]'), '交通运输局', '古城县交通运输局')
  await dlg.locator('.el-dialog__header').click() // closes the list, not the dialog
  await range(dlg, `${YEAR}-03-02`, `${YEAR}-03-20`)
  assert.equal(await fieldMarks(dlg).count(), 0, 'the marks go as their fields are filled')
  await proposer.click('[data-test=propose-save]')
  assert.match(await toast(proposer, 'success', /督查建议已提交/), /督查建议已提交/)
  await proposer.locator('[data-test=plan-entries] .el-table__row', { hasText: subject }).waitFor()
  await assertNoErrors(t, proposer)
  const head = await newPage(browser, server)
  await loginOk(head, 'gc_head')

  // the office includes it and submits the plan; the county head approves; the office files it
  await office.reload()
  const row = office.locator('[data-test=plan-entries] .el-table__row', { hasText: subject })
  await row.locator('[data-test=entry-include]').click()
  await row.filter({ hasText: '已纳入' }).waitFor()
  await planAct(office, 'submit')
  await stateIs(office, 'plan-state', '待主要领导审批')
  await shot(office, 'inspection-plan')
  const principal = await newPage(browser, server)
  await loginTo(principal, 'gc_principal', planUrl)
  await planAct(principal, 'approve')
  await stateIs(principal, 'plan-state', '已批准待备案')
  await office.reload()
  await planAct(office, 'file')
  await stateIs(office, 'plan-state', '已报上级备案')

  // the office opens the inspection from the plan, names the team, submits the scheme
  await office.locator('[data-test=plan-entries] .el-table__row', { hasText: subject }).locator('[data-test=entry-open]').click()
  await office.waitForURL(/\/inspections\/\d+$/)
  const id = Number(office.url().split('/').pop())
  await stateIs(office, 'insp-state', '草稿')
  await act(office, 'open')
  await stateIs(office, 'insp-state', '已立项待制定方案')
  assert.match(await office.locator('[data-test=insp-number]').textContent(), /古督查〔\d{4}〕\d+号/)
  await office.click('[data-test=insp-team-edit]')
  const team = office.locator('[data-test=team-dialog]')
  await team.waitFor()
  await pick(office, team.locator('[data-test=team-leader]'), '黄磊')
  await pick(office, team.locator('[data-test=team-members]'), '马丽')
  await team.locator('.el-dialog__header').click() // closes the list, not the dialog
  await pick(office, team.locator('[data-test=team-evaluators]'), '民生评估', '古城县民生评估中心')
  await team.locator('.el-dialog__header').click()
  await office.click('[data-test=team-save]')
  await office.locator('[data-test=insp-team]', { hasText: '马丽' }).waitFor()
  await office.locator('[data-test=insp-team]', { hasText: '古城县民生评估中心' }).waitFor()
  // the scheme's content and scope (the plan gave subject, targets and dates)
  await office.click('[data-test=scheme-edit]')
  const sd = office.locator('[data-test=scheme-dialog]')
  await sd.waitFor()
  await sd.locator('[data-test=scheme-content]').fill('查阅危货运输企业动态监控台账，实地抽查液化气运输车辆，询问驾驶押运人员。')
  await sd.locator('[data-test=scheme-scope]').fill('县交通运输局及辖区3家液化气运输企业')
  await sd.locator('[data-test=scheme-save]').click()
  await office.locator('[data-test=insp-scheme]', { hasText: '动态监控台账' }).waitFor()
  await act(office, 'submit_scheme')
  await stateIs(office, 'insp-state', '督查方案待审批')

  // the county head approves the scheme (the team leader named by the government); the office starts it
  await principal.goto(`/inspections/${id}`)
  await act(principal, 'approve_scheme')
  await stateIs(principal, 'insp-state', '方案已批准待实施')
  await office.reload()
  await act(office, 'start')
  await stateIs(office, 'insp-state', '督查实施中')
  await shot(office, 'inspection-detail')

  // the third-party evaluator engaged for it finds it in its list and submits its evaluation
  const evaluator = await newPage(browser, server)
  await loginOk(evaluator, 'gc_evaluator')
  assert.ok((await (await apiAs(server, 'gc_evaluator'))('GET', '/api/v1/todos')).json.todos.some((x) => x.kind === 'inspection' && x.object_id === id && x.task === 'evaluate'),
    'the evaluation waits on the evaluator as a to-do')
  await evaluator.click('[data-test=menu-inspections]')
  await evaluator.locator('[data-test=insp-table] .el-table__row', { hasText: subject }).click()
  await evaluator.waitForURL(new RegExp(`/inspections/${id}$`))
  await evaluator.click('#tab-evaluations')
  // submitted blank: the conclusion is marked, nothing is sent
  await evaluator.click('[data-test=eval-submit]')
  assert.deepEqual(await markTexts(evaluator), ['请填写：评估结论'])
  await evaluator.fill('[data-test=eval-summary]', '抽样回访运输企业12家，监管部门动态监控抽查记录完整率为58%，驾驶押运人员培训覆盖率为75%。')
  await evaluator.click('[data-test=eval-submit]')
  assert.match(await toast(evaluator, 'success', /评估/), /评估/)
  await evaluator.locator('[data-test=insp-evaluation]', { hasText: '完整率为58%' }).waitFor()
  assert.equal(await evaluator.locator('#tab-report').count(), 0, 'the evaluator reads no report draft')
  await shot(evaluator, 'inspection-evaluator')
  await assertNoErrors(t, evaluator)

  // the part-time inspector on a phone: what he saw, where, and a photo with its GPS position
  const part = await newPage(browser, server, { width: 390, height: 844 })
  await part.context().grantPermissions(['geolocation'])
  await part.context().setGeolocation({ latitude: 35.6181, longitude: 111.3522 })
  await loginTo(part, 'gc_parttime', `/inspections/${id}/field`)
  await part.locator('[data-test=field-where]', { hasText: '35.6181' }).waitFor()
  // saved blank: the place and what was seen are both marked under their fields, nothing is sent
  await part.click('[data-test=field-save]')
  assert.deepEqual(await markTexts(part, 2), ['请填写：地点', '请填写：现场所见'])
  await part.fill('[data-test=field-place]', '交通运输局危货运输监控中心')
  await part.fill('[data-test=field-seen]', '液化气运输车辆动态监控记录缺失三个月，违规处置台账不全。')
  await part.fill('[data-test=field-interviewees]', '监控中心值班员')
  await part.locator('[data-test=field-photo]').setInputFiles({ name: '监控台账.jpg', mimeType: 'image/jpeg', buffer: jpegWithGps(35.6181, 111.3522) })
  await part.locator('[data-test=field-file]', { hasText: '监控台账.jpg' }).waitFor()
  await shot(part, 'inspection-field-phone')
  await part.click('[data-test=field-save]')
  assert.match(await toast(part, 'success', /现场记录已保存/), /现场记录已保存/)
  await part.locator('[data-test=field-record]', { hasText: '监控中心' }).waitFor()
  await assertNoErrors(t, part)

  // the team leader records the finding and submits the findings; the office issues them
  const leader = await newPage(browser, server)
  await loginTo(leader, 'gc_inspector', `/inspections/${id}?tab=findings`)
  await leader.click('[data-test=finding-add]')
  const fd = leader.locator('[data-test=finding-dialog]')
  await fd.waitFor()
  await leader.click('[data-test=finding-save]')
  assert.deepEqual(await markTexts(fd, 2), ['请填写：问题', '请填写：整改时限'])
  await fd.locator('[data-test=finding-title]').fill('运输车辆动态监控记录缺失')
  await fd.locator('[data-test=finding-detail]').fill('抽查3家运输企业，2家近三个月无动态监控记录。')
  await fd.locator('[data-test=finding-requirement]').fill('建立动态监控台账，逐月报送。')
  await fd.locator('[data-test=finding-rebound]').click() // likely to rebound: a look-back follows
  const due = fd.locator('.el-form-item', { hasText: '整改时限' }).locator('input')
  await due.fill(inDays(30))
  await due.press('Enter')
  await fieldMarks(fd).waitFor({ state: 'detached' })
  await leader.click('[data-test=finding-save]')
  await leader.locator('[data-test=insp-findings] .el-table__row', { hasText: '运输车辆动态监控记录缺失' }).waitFor()
  await act(leader, 'submit_findings')
  await stateIs(leader, 'insp-state', '问题清单待审核')
  await office.reload()
  await act(office, 'issue_findings')
  await stateIs(office, 'insp-state', '已反馈问题')
  // until the conclusion the target's state is its rectification: its tasks counted
  const targetRow = office.locator('[data-test=insp-targets] .el-table__row', { hasText: '古城县交通运输局' })
  await targetRow.locator('[data-test=target-state]', { hasText: '整改中' }).waitFor()
  await targetRow.locator('[data-test=target-rect]', { hasText: '0 / 1' }).waitFor()
  // the evidence shown to the team keeps its position
  await office.goto(`/inspections/${id}?tab=field`)
  await office.locator('[data-test=insp-evidence]', { hasText: '35.61' }).waitFor()

  // the contact receives the task and reports; the head signs; the office verifies
  const contact = await newPage(browser, server)
  await loginOk(contact, 'gc_contact')
  await contact.click('[data-test=menu-rectifications]')
  await contact.locator('[data-test=rect-table] .el-table__row', { hasText: '运输车辆动态监控记录缺失' }).first().click()
  await stateIs(contact, 'rect-state', '已交办待签收')
  await act(contact, 'receive')
  await stateIs(contact, 'rect-state', '整改中')
  await act(contact, 'submit', async (d) => {
    // saved blank: the report is marked under its field and nothing is sent; the mark goes as it is filled
    await d.locator('[data-test=act-submit]').click()
    assert.deepEqual(await markTexts(d), ['请填写：整改情况'])
    await d.locator('[data-test=act-text]').fill('已督促3家企业建立动态监控台账，逐月报送，问题全部整改。')
    await fieldMarks(d).waitFor({ state: 'detached' })
  })
  await stateIs(contact, 'rect-state', '整改报告待负责人签发')
  const taskUrl = contact.url()
  await head.goto(taskUrl)
  await act(head, 'sign')
  await stateIs(head, 'rect-state', '整改情况待核查')
  await office.goto(taskUrl)
  await act(office, 'verify', (d) => d.locator('[data-test=act-text]').fill('经现场核查，动态监控台账已建立，问题整改到位，同意销号。'))
  await stateIs(office, 'rect-state', '已核查销号')
  await office.locator('[data-test=rect-milestone]').first().waitFor()
  const lookbackDue = (await (await apiAs(server, 'gc_office'))('GET', `/api/v1/rectifications/${taskUrl.split('/').pop()}`)).json.lookback_due
  assert.ok(lookbackDue, 'a rebounding problem schedules its look-back')
  const [ly, lm, ld] = lookbackDue.split('-').map(Number)
  await office.locator('[data-test=rect-lookback]', { hasText: `${ly}年${lm}月${ld}日` }).waitFor()
  await shot(office, 'rectification-detail')
  // its clocks and its history in words, never the engine's names (create, press, remind-3: the timeline began "create")
  const engine = /\b(create|press|notice|report|remind-\d+|escalate|lookback)\b/
  await office.locator('[data-test=rect-timeline]', { hasText: '交办整改任务' }).waitFor()
  for (const sel of ['rect-milestone', 'rect-timeline']) {
    assert.doesNotMatch((await office.locator(`[data-test=${sel}]`).allTextContents()).join(' '), engine, sel)
  }

  // the conclusion, issued to the inspected body as an official document
  await office.goto(`/inspections/${id}`)
  await targetRow.locator('[data-test=target-state]', { hasText: '整改已全部销号' }).waitFor()
  await office.locator('[data-test=insp-timeline]', { hasText: '创建督查任务' }).waitFor({ state: 'attached' }) // its tab not open
  assert.doesNotMatch(await office.locator('[data-test=insp-timeline]').textContent(), engine)
  await targetRow.locator('[data-test=target-rect]', { hasText: '1 / 1' }).waitFor()
  await act(office, 'issue_conclusion', (d) => d.locator('[data-test=act-text]').fill('交通运输局液化气运输车辆监管责任落实不够到位，动态监控制度执行不严。督查发现的问题已整改到位。'))
  await stateIs(office, 'insp-state', '已出具督查结论待签收')
  const pdf = await office.request.get(`/api/v1/inspections/${id}/conclusion.pdf`)
  assert.equal(pdf.status(), 200)
  assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-')

  // the head signs for it and asks for a review
  await head.goto(`/inspections/${id}`)
  await act(head, 'receive_conclusion')
  await stateIs(head, 'insp-state', '督查结论已签收')
  await head.goto(`/inspections/${id}?tab=conclusion`)
  await head.click('[data-test=review-request]')
  await head.locator('.el-message-box textarea').fill('监控记录缺失系平台系统故障所致，已提供备份记录，申请复核。')
  await head.click('.el-message-box__btns .el-button--primary')
  assert.match(await toast(head, 'success', /复核申请已提交/), /复核申请已提交/)
  await head.locator('[data-test=insp-reviews] .el-table__row').first().click()
  await head.locator('[data-test=review-state]', { hasText: '已申请复核待受理' }).waitFor()
  const reviewUrl = head.url()

  // the office accepts; the county head decides; the team stands aside
  await office.goto(reviewUrl)
  await act(office, 'accept')
  await stateIs(office, 'review-state', '复核中')
  assert.match(await office.locator('[data-test=review-recused]').textContent(), /黄磊/)
  await principal.goto(reviewUrl)
  await act(principal, 'decide', async (d) => {
    await d.locator('[data-test=act-result]').getByText('维持').click()
    await d.locator('[data-test=act-text]').fill('经复核，督查结论认定事实清楚，维持原督查结论。')
  })
  await stateIs(principal, 'review-state', '已作出复核决定')
  await principal.locator('[data-test=review-decision]', { hasText: '维持原督查结论' }).waitFor()
  await shot(principal, 'review-detail')
  const api = await apiAs(server, 'gc_inspector')
  const rid = Number(reviewUrl.split('/').pop())
  assert.equal((await api('GET', `/api/v1/reviews/${rid}`)).json.allowed_actions.includes('decide'), false)

  await office.goto('/inspections')
  await office.locator('[data-test=insp-table] .el-table__row', { hasText: subject }).waitFor()
  await shot(office, 'inspections')

  // the look-back's day comes (test clock): the scheduler opens it as a draft of the office, linked from the
  // task; the office opens it (a follow-up of an approved inspection needs no new approval)
  const admin = await apiAs(server, 'admin')
  assert.equal((await admin('PUT', '/api/v1/admin/clock', { now: `${lookbackDue}T08:30:00+08:00` })).status, 200)
  await office.context().clearCookies() // months later: a new day's sign-in
  await loginTo(office, 'gc_office', taskUrl)
  for (const end = Date.now() + 60000; Date.now() < end && !(await office.locator('[data-test=rect-lookback-open]').count());) {
    await new Promise((r) => setTimeout(r, 500))
    await office.reload()
    await stateIs(office, 'rect-state', '已核查销号')
  }
  await office.click('[data-test=rect-lookback-open]')
  await office.waitForURL(/\/inspections\/\d+$/)
  assert.notEqual(Number(office.url().split('/').pop()), id)
  await stateIs(office, 'insp-state', '草稿')
  await office.locator('[data-test=insp-origin]', { hasText: '回头看' }).waitFor()
  await office.locator('[data-test=insp-targets]', { hasText: '古城县交通运输局' }).waitFor()
  await act(office, 'open')
  await stateIs(office, 'insp-state', '已立项待制定方案')
  await shot(office, 'inspection-lookback')
  for (const p of [office, head, principal, leader, contact]) await assertNoErrors(t, p)
})

test('an unannounced visit is invisible to its township; the roster', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const visit = (await office('GET', '/api/v1/inspections?q=人居环境整治暗访')).json.inspections.find((i) => i.covert)
  assert.ok(visit, 'the demo has an unannounced visit under way')
  const town = await newPage(browser, server)
  await loginTo(town, 'gc_town', `/inspections/${visit.id}`)
  await town.locator('.el-result', { hasText: '督查不存在或无权查看' }).waitFor()
  await town.goto('/inspections')
  await town.locator('[data-test=insp-table]').waitFor()
  await town.waitForLoadState('networkidle')
  assert.doesNotMatch(await town.locator('[data-test=insp-table]').textContent(), /人居环境整治暗访/)

  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  // the visit's target has no step of its own yet, nor tasks: its cells say so (—), they are not left blank
  await page.goto(`/inspections/${visit.id}`)
  const target = page.locator('[data-test=insp-targets] .el-table__row', { hasText: '城关镇' })
  await target.waitFor()
  assert.deepEqual((await target.locator('td').allTextContents()).map((x) => x.trim()), ['古城县城关镇人民政府', '—', '—', '—'])
  await page.click('[data-test=menu-roster]')
  await page.locator('[data-test=roster-table] .el-table__row', { hasText: '黄磊' }).click()
  await page.locator('[data-test=roster-trainings]', { hasText: '督查' }).waitFor()
  await shot(page, 'inspection-roster')
  // a training saved blank: its day and title marked at once; then recorded
  await page.click('[data-test=training-add]')
  const tr = page.locator('[data-test=training-dialog]')
  await page.click('[data-test=training-save]')
  assert.deepEqual(await markTexts(tr, 2), ['请填写：日期', '请填写：培训内容'])
  const day = tr.locator('.el-form-item', { hasText: '日期' }).locator('input')
  await day.fill(inDays(-3))
  await day.press('Enter')
  await tr.locator('[data-test=training-title]').fill('暗访工作纪律专题培训（网页测试）')
  await fieldMarks(tr).waitFor({ state: 'detached' })
  await page.click('[data-test=training-save]')
  await tr.waitFor({ state: 'hidden' })
  await page.locator('[data-test=roster-trainings]', { hasText: '暗访工作纪律专题培训（网页测试）' }).waitFor()
  // a new inspector saved without a name: marked, nothing sent
  await page.click('[data-test=roster-new]')
  const ed = page.locator('[data-test=roster-dialog]')
  await page.click('[data-test=roster-save]')
  assert.deepEqual(await markTexts(ed), ['请填写：名称'])
  await ed.getByRole('button', { name: '取消' }).click()
  await assertNoErrors(t, page)
  await assertNoErrors(t, town)
})

// A unit reads an inspection of it without asking for what is not its to read (walk of session 39: the list asked for
// the office's year figures, 404; an inspection's page for the team's working papers, the evaluations and the report,
// four 403s on each visit); the office side still reads them all.
test('a unit reads the inspections list and an inspection of it without a refused request; the office reads the working papers', async (t) => {
  for (const [user, papers] of [['gc_contact', false], ['gc_office', true]]) {
    const page = await newPage(browser, server)
    const refused = []
    const asked = []
    let pending = 0
    const api = (r) => new URL(r.url()).pathname.startsWith('/api/')
    page.on('request', (r) => {
      if (!api(r)) return
      pending++
      if (/\/api\/v1\/inspections\/\d+\/(records|evidence|report)$/.test(new URL(r.url()).pathname)) asked.push(r.url())
    })
    page.on('requestfinished', (r) => { if (api(r)) pending-- })
    page.on('requestfailed', (r) => { if (api(r)) pending-- })
    page.on('response', (r) => { if (api(r) && r.status() >= 400) refused.push(`${r.status()} ${new URL(r.url()).pathname}`) })
    await loginTo(page, user, '/inspections')
    // the detail asks for its parts together, its reviews among them: once that is answered every part has been
    // asked for; the check waits until each is answered (the SPA's networkidle was reached long before)
    const reviews = page.waitForResponse((r) => /\/api\/v1\/inspections\/\d+\/reviews$/.test(new URL(r.url()).pathname))
    await page.locator('.el-table__row', { hasText: '防汛备汛工作督查' }).first().click()
    await reviews
    for (let i = 0; pending > 0 && i < 200; i++) await page.waitForTimeout(50)
    assert.equal(pending, 0, `${user}: every request answered`)
    assert.deepEqual(refused, [], `${user}: no request refused`)
    assert.equal(asked.length > 0, papers, `${user}: ${asked.join(' ')}`)
    await assertNoErrors(t, page)
  }
})

// The rectification list's cards (walk of session 39): 全部 showed the chosen light's total, the lights no count. Each
// card counts under the other filters, whichever is chosen, as the server counts them.
test('the rectification list\'s cards count every task and each light, whichever card is chosen', async (t) => {
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', '/inspections/rectifications')
  await page.locator('[data-test=rect-table] .el-table__row').first().waitFor()
  await page.waitForLoadState('networkidle')
  const num = async (l) => Number((await page.locator(`[data-test=rect-light-${l}] .num`).textContent()).trim())
  const asOffice = await apiAs(server, 'gc_office')
  const counts = {}
  for (const l of ['all', 'red', 'yellow', 'green']) {
    counts[l] = await num(l)
    const q = l === 'all' ? '' : `?light=${l}`
    assert.equal(counts[l], (await asOffice('GET', `/api/v1/rectifications${q}`)).json.total, l)
  }
  assert.ok(counts.all > 0 && counts.red + counts.yellow + counts.green <= counts.all, JSON.stringify(counts))
  await page.click('[data-test=rect-light-red]')
  await page.waitForLoadState('networkidle')
  await page.waitForFunction((n) => document.querySelectorAll('[data-test=rect-table] .el-table__row').length === n, Math.min(counts.red, 20))
  for (const l of ['all', 'red', 'yellow', 'green']) assert.equal(await num(l), counts[l], `${l} with red chosen`)
  await assertNoErrors(t, page)
})
