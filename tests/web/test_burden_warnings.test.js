// Burden warnings before an inspection is saved (减负): with a cap of one inspection per unit a year, the county
// office drafting a second inspection of the transport bureau sees — before saving — that the bureau has had its
// one inspection this year (the exception needs the principal leader) and the other inspection whose dates overlap,
// named with its dates; moving the dates leaves the cap warning alone. A department proposing a plan entry for the
// bureau sees the same warnings in the proposal dialog.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, pick, apiAs, assertNoErrors, inDays, markTexts } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const YEAR = Number(inDays(0).slice(0, 4)) + 3 // a year of its own: the demo's inspections are not in it

// fills a date range; later: the end first, so that the range is never backwards while typing
async function range(scope, from, to, later = false) {
  const inputs = scope.locator('.el-date-editor input')
  if (later) await inputs.nth(1).fill(to)
  await inputs.nth(0).fill(from)
  await inputs.nth(1).fill(to)
  await inputs.nth(1).press('Enter')
}

test('the office and a department see the burden warnings before saving', async (t) => {
  const admin = await apiAs(server, 'admin')
  assert.equal((await admin('PUT', '/api/v1/inspections/settings', { unit_cap: 1 })).status, 200)
  const api = await apiAs(server, 'gc_office')
  const jt = (await api('GET', '/api/v1/units?q=gc-jt')).json.units.find((u) => u.code === 'gc-jt')
  const subject = '道路运输安全专项督查（减负提醒网页测试）'
  const r = await api('POST', '/api/v1/inspections', { subject, kind: 'special', methods: ['onsite'], basis: 'decision',
    basis_ref: '县政府常务会议', target_unit_ids: [jt.id], start_date: `${YEAR}-03-02`, end_date: `${YEAR}-03-20` })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  assert.equal((await api('POST', `/api/v1/inspections/${r.json.id}/actions/open`, {})).status, 200)

  const office = await newPage(browser, server)
  await loginTo(office, 'gc_office', '/inspections/new')
  const panel = office.locator('[data-test=burden-warnings]')
  await panel.filter({ hasText: '选择督查对象和时间后' }).waitFor()
  // saved blank: every required field left blank is marked at once (a decision's inspection names the decision),
  // and nothing is sent
  const sent = []
  office.on('request', (q) => q.method() === 'POST' && new URL(q.url()).pathname === '/api/v1/inspections' && sent.push(q.url()))
  await office.click('[data-test=new-save]')
  const marked = office.locator('[data-test=insp-form] .el-form-item.is-error')
  await marked.first().waitFor()
  assert.deepEqual(await marked.locator('.el-form-item__label').allTextContents(), ['督查主题', '依据文号', '督查对象', '督查时间'])
  // the marks' texts once all four are shown (the class comes a tick before the text: c78 read none)
  assert.deepEqual(await markTexts(office.locator('[data-test=insp-form]'), 4),
    ['请填写：督查主题', '请填写：依据文号', '请填写：督查对象', '请填写：督查时间'])
  assert.deepEqual(sent, [])
  await pick(office, office.locator('[data-test=new-targets]'), '交通运输局', '古城县交通运输局')
  await office.locator('.panel-title').first().click() // closes the list
  await range(office.locator('[data-test=insp-form]'), `${YEAR}-03-10`, `${YEAR}-03-31`)
  const warnings = panel.locator('[data-test=burden-warning]')
  await warnings.nth(1).waitFor()
  const cap = await warnings.filter({ hasText: '督查次数上限' }).textContent()
  assert.ok(cap.includes(`古城县交通运输局${YEAR}年已接受督查检查 1 次`) && cap.includes('例外理由'), cap)
  const overlap = await warnings.filter({ hasText: '时间重叠' }).textContent()
  assert.ok(overlap.includes(subject) && overlap.includes(`${YEAR}-03-02至${YEAR}-03-20`) && overlap.includes('联合督查'), overlap)
  await shot(office, 'burden-warnings')
  // other dates: no overlap, the cap still
  await range(office.locator('[data-test=insp-form]'), `${YEAR}-05-10`, `${YEAR}-05-31`, true)
  await panel.filter({ hasNotText: '时间重叠' }).waitFor()
  assert.equal(await warnings.count(), 1)
  assert.match(await warnings.first().textContent(), /督查次数上限/)
  // filled in, the draft is saved and opens; the marks are gone
  await office.fill('[data-test=new-subject]', '道路运输安全专项督查（网页新建）')
  await office.fill('[data-test=new-basis-ref]', '古政发〔2026〕8号')
  await office.click('[data-test=new-save]')
  await office.waitForURL(/\/inspections\/\d+$/)
  assert.equal(sent.length, 1)
  const made = Number(office.url().split('/').pop())
  assert.equal((await api('GET', `/api/v1/inspections/${made}`)).json.basis_ref, '古政发〔2026〕8号')
  assert.equal((await api('POST', `/api/v1/inspections/${made}/actions/withdraw`, { reason: '网页测试，撤回' })).status, 200)
  await assertNoErrors(t, office)

  // crossing the cap: submitted with a reason, the principal leader sees the exception when approving
  const over = await api('POST', '/api/v1/inspections', { subject: '道路运输安全复查（超上限）', kind: 'special', methods: ['onsite'],
    basis: 'proposal', target_unit_ids: [jt.id], start_date: `${YEAR}-06-02`, end_date: `${YEAR}-06-09` })
  assert.equal(over.status, 201, JSON.stringify(over.json))
  assert.equal((await api('POST', `/api/v1/inspections/${over.json.id}/actions/submit`, {})).status, 409)
  assert.equal((await api('POST', `/api/v1/inspections/${over.json.id}/actions/submit`, { exception_reason: '事故多发，须再次督查' })).status, 200)
  const principal = await newPage(browser, server)
  await loginTo(principal, 'gc_principal', `/inspections/${over.json.id}`)
  const exc = principal.locator('[data-test=insp-exceptions]')
  await exc.filter({ hasText: '事故多发，须再次督查' }).filter({ hasText: '待批准' }).waitFor()
  assert.match(await exc.textContent(), /古城县交通运输局\d{4}年已接受督查检查 1 次，已达每个单位每年 1 次的上限/)
  await assertNoErrors(t, principal)

  // the housing bureau proposes a plan entry for the same bureau: the dialog warns before submit
  const plan = await api('POST', '/api/v1/plans', { year: YEAR })
  assert.equal(plan.status, 201, JSON.stringify(plan.json))
  const dept = await newPage(browser, server)
  await loginTo(dept, 'gc_head2', `/inspections/plans/${plan.json.id}`)
  await dept.click('[data-test=plan-propose]')
  const dlg = dept.locator('[data-test=propose-dialog]')
  await dlg.waitFor()
  await pick(dept, dlg.locator('[data-test=propose-targets]'), '交通运输局', '古城县交通运输局')
  await dlg.locator('.el-dialog__header').click()
  await range(dlg, `${YEAR}-03-15`, `${YEAR}-03-25`)
  const dw = dlg.locator('[data-test=burden-warning]')
  await dw.nth(1).waitFor()
  assert.match(await dw.filter({ hasText: '督查次数上限' }).textContent(), /已接受督查检查 1 次/)
  await shot(dept, 'burden-warnings-plan')
  await assertNoErrors(t, dept)
})
