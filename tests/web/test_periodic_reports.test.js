// Periodic reports in the browser (定期报告, issue 12): the transport bureau's contact opens the form from the
// item — the item, the monthly report owed and its period, the milestones and the last report are there, the
// draft carries the last report's problems, next steps and support (最多报一次) — edits it and sends it; the
// county office's roll-up counts it as the server does, shows the unit's text, and downloads the workbook.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, apiAs, assertNoErrors, inDays, toast } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

test('a unit fills its monthly report; the office sees it in the roll-up', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const units = (await office('GET', '/api/v1/units?q=gc-jt&limit=5')).json.units
  const jt = units.find((u) => u.code === 'gc-jt')
  const leader = (await (await apiAs(server, 'gc_leader'))('GET', '/api/v1/session')).json.user
  const r = await office('POST', '/api/v1/items', {
    title: '常态化工作：城区环境卫生长效管理', requirement: '建立长效保洁机制，每月报告进展', source_kind: 'leader_assigned',
    kind: 'ongoing', lead_unit_id: jt.id, co_unit_ids: [], due_date: inDays(200), leader_id: leader.id,
  })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  const id = r.json.id
  for (const [u, a] of [['gc_office', 'submit'], ['gc_deputy', 'approve'], ['gc_director', 'approve'], ['gc_office', 'assign'], ['gc_contact', 'receive']]) {
    const x = await (await apiAs(server, u))('POST', `/api/v1/items/${id}/actions/${a}`, {})
    assert.equal(x.status, 200, `${u} ${a}: ${JSON.stringify(x.json)}`)
  }
  const contactApi = await apiAs(server, 'gc_contact')
  // the first feedback, with the problems and plans of the unit
  const first = await contactApi('POST', `/api/v1/items/${id}/reports`, { text: '已制定保洁方案', percent: 20, problems: '保洁人员不足', next_steps: '招聘保洁员20名', support: '请人社局支持招聘' })
  assert.equal(first.status, 201, JSON.stringify(first.json))
  const form = (await contactApi('GET', `/api/v1/items/${id}/report-form`)).json
  assert.equal(form.obligation.form_kind, 'monthly')

  const page = await newPage(browser, server)
  await loginTo(page, 'gc_contact', `/items/${id}`)
  await page.click('[data-test=item-report-form]')
  await page.locator('[data-test=pf-form]').waitFor()
  assert.equal(await page.locator('[data-test=pf-kind]').textContent(), '月度进展报告')
  assert.equal(await page.locator('[data-test=pf-period]').textContent(), form.obligation.period_label)
  assert.ok((await page.locator('[data-test=pf-facts]').textContent()).includes('常态化工作：城区环境卫生长效管理'))
  assert.equal(await page.locator('[data-test=pf-milestones] .el-table__body .el-table__row').count(), form.milestones.length)
  assert.ok((await page.locator('[data-test=pf-previous]').textContent()).includes('已制定保洁方案'))
  // the draft is the last report's problems, next steps and support
  assert.equal(await page.locator('[data-test=pf-problems]').inputValue(), '保洁人员不足')
  assert.equal(await page.locator('[data-test=pf-support]').inputValue(), '请人社局支持招聘')
  // without the progress the form is not sent
  await page.click('[data-test=pf-submit]')
  await page.locator('.el-form-item__error', { hasText: '请填写本期进展情况' }).waitFor()
  await page.fill('[data-test=pf-text]', '已招聘保洁员12名，主次干道实行全天保洁')
  await page.fill('[data-test=pf-next]', '5月底前完成背街小巷保洁全覆盖')
  await page.locator('[data-test=pf-percent] input').fill('45')
  await page.locator('[data-test=pf-percent] input').press('Enter')
  await shot(page, 'report-form')
  await page.click('[data-test=pf-submit]')
  await toast(page, 'success', '定期报告已报送')
  await page.waitForURL((u) => u.pathname === `/items/${id}`)
  await page.locator('[data-test=report-problems]', { hasText: '保洁人员不足' }).first().waitFor()
  const reports = (await contactApi('GET', `/api/v1/items/${id}/reports`)).json.reports
  assert.equal(reports[0].text, '已招聘保洁员12名，主次干道实行全天保洁')
  assert.equal(reports[0].next_steps, '5月底前完成背街小巷保洁全覆盖')
  assert.equal(reports[0].percent, 45)
  assert.equal(reports[0].milestone_id, form.obligation.milestone_id)
  await assertNoErrors(t, page)

  // the office's roll-up for the period of that report
  const from = inDays(0), to = form.obligation.due_date
  const ru = (await office('GET', `/api/v1/periodic-reports?from=${from}&to=${to}`)).json
  const op = await newPage(browser, server)
  await loginOk(op, 'gc_office')
  await op.click('[data-test=menu-group-res]')
  await op.click('[data-test=menu-periodic-reports]')
  await op.locator('[data-test=pr-totals]').waitFor()
  await op.goto(`/periodic-reports?from=${from}&to=${to}`)
  const totals = op.locator('[data-test=pr-totals] .num')
  await op.locator('[data-test=pr-reports] .el-table__row', { hasText: '已招聘保洁员12名' }).waitFor()
  assert.deepEqual(await totals.allTextContents(), ['due', 'submitted', 'on_time', 'late', 'missed', 'open'].map((k) => String(ru.totals[k])))
  const rows = op.locator('[data-test=pr-groups] .el-table__body .el-table__row')
  assert.equal(await rows.count(), ru.groups.filter((g) => g.due > 0).length)
  const jtRow = op.locator('[data-test=pr-groups] .el-table__body .el-table__row', { hasText: '古城县交通运输局' })
  const g = ru.groups.find((x) => x.unit_id === jt.id)
  assert.ok(g.submitted >= 1, JSON.stringify(g))
  assert.ok((await jtRow.textContent()).includes(String(g.due)))
  const mine = op.locator('[data-test=pr-reports] .el-table__row', { hasText: '已招聘保洁员12名' })
  const text = await mine.textContent()
  assert.ok(text.includes('按时报送') && text.includes('保洁人员不足') && text.includes('请人社局支持招聘'), text)
  await shot(op, 'periodic-reports')
  const [xlsx] = await Promise.all([op.waitForEvent('download'), op.click('[data-test=pr-xlsx]')])
  assert.match(xlsx.suggestedFilename(), /定期报告汇总.*\.xlsx$/)
  // a row opens the level below: the bureau's own reports
  await jtRow.click()
  await op.locator('[data-test=pr-up]').waitFor()
  await op.locator('[data-test=pr-reports] .el-table__row', { hasText: '已招聘保洁员12名' }).waitFor()
  await assertNoErrors(t, op)
})

test('an empty roll-up says what was asked, why it is empty and what to do', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  // a month before any item: no report fell due — the period and the scope asked, the reason, what to do
  const none = (await office('GET', '/api/v1/periodic-reports?from=2020-01-01&to=2020-01-31')).json
  assert.equal(none.totals.due, 0)
  await page.goto('/periodic-reports?from=2020-01-01&to=2020-01-31')
  const empty = page.locator('[data-test=pr-empty]')
  await empty.waitFor()
  let words = await empty.textContent()
  for (const w of [`${none.scope.name}2020年1月1日至2020年1月31日没有应报的定期报告`, '没有到期的报告节点', '时限规则', '改选期间或报告类别']) {
    assert.ok(words.includes(w), `${w} in ${words}`)
  }
  assert.equal(await page.locator('[data-test=pr-groups]').count(), 0)
  assert.equal(await page.locator('[data-test=pr-reports]').count(), 0)
  await shot(page, 'periodic-reports-empty')
  // the kind asked is named too
  await page.click('[data-test=pr-kind]')
  await page.locator('.el-select-dropdown__item:visible', { hasText: '季度进展报告' }).click()
  await empty.filter({ hasText: '没有应报的季度进展报告' }).waitFor()
  await assertNoErrors(t, page)

  // reports fell due and none came: how many, how many missed, and the list of who owes them stays
  const zj = (await office('GET', '/api/v1/units?q=gc-zj&limit=5')).json.units.find((u) => u.code === 'gc-zj')
  const leader = (await (await apiAs(server, 'gc_leader'))('GET', '/api/v1/session')).json.user
  const r = await office('POST', '/api/v1/items', {
    title: '常态化工作：城中村燃气管道巡查', requirement: '每月报告巡查情况', source_kind: 'leader_assigned',
    kind: 'ongoing', lead_unit_id: zj.id, co_unit_ids: [], due_date: inDays(200), leader_id: leader.id,
  })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  for (const [u, a] of [['gc_office', 'submit'], ['gc_deputy', 'approve'], ['gc_director', 'approve'], ['gc_office', 'assign']]) {
    const x = await (await apiAs(server, u))('POST', `/api/v1/items/${r.json.id}/actions/${a}`, {})
    assert.equal(x.status, 200, `${u} ${a}: ${JSON.stringify(x.json)}`)
  }
  const ms = (await office('GET', `/api/v1/milestones?owner_kind=item&owner_id=${r.json.id}`)).json.milestones
  const due = ms.filter((m) => m.kind === 'periodic_report').map((m) => m.due_date).sort()[0]
  assert.ok(due, JSON.stringify(ms))
  const q = `from=${due}&to=${due}&unit_id=${zj.id}`
  const owed = (await office('GET', `/api/v1/periodic-reports?${q}`)).json
  assert.ok(owed.totals.due >= 1 && owed.totals.submitted === 0, JSON.stringify(owed.totals))
  await page.goto(`/periodic-reports?${q}`)
  await page.locator('[data-test=pr-reports] .el-table__row', { hasText: '城中村燃气管道巡查' }).waitFor()
  words = await empty.textContent()
  for (const w of [`${owed.scope.name}`, `应报定期报告${owed.totals.due}份，尚无单位报送`, `逾期未报 ${owed.totals.missed} 份，未到期 ${owed.totals.open} 份`, '催办']) {
    assert.ok(words.includes(w), `${w} in ${words}`)
  }
  await assertNoErrors(t, page)
})
