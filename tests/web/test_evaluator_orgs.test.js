// Evaluator organisations (第三方评估机构) in the browser: 古城县's office registers an organisation, opens an
// evaluator's account and (through the API) engages it; the evaluator, signed in, finds the engagements of its
// organisation only; the office suspends the organisation with a reason — the evaluator's list empties — and
// lifts the suspension; then disables the evaluator's account (its page is signed out), enables it and resets
// its password from the organisation's page.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, login, loginOk, loginTo, shot, apiAs, assertNoErrors, inDays as day, PASSWORD } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

test('the office registers, staffs and suspends an evaluator organisation; its evaluator sees its engagements only', async (t) => {
  const name = '江苏民调评估研究院（浏览器测试）'
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', '/evaluator-orgs')
  await page.locator('[data-test=org-table] tr', { hasText: '古城县民生评估中心' }).waitFor()
  await page.click('[data-test=org-new]')
  // the name is required: the refusal names it in the form, nothing is registered
  await page.click('[data-test=org-save]')
  await page.locator('[data-test=org-dialog] .el-form-item__error').first().waitFor()
  await page.fill('[data-test=org-dialog] input[name=name]', name)
  await page.fill('[data-test=org-dialog] textarea[name=scope]', '民生项目绩效评估、群众满意度调查')
  await page.fill('[data-test=org-dialog] input[name=contact]', '周敏')
  await page.fill('[data-test=org-dialog] input[name=phone]', '025-83000000')
  await page.click('[data-test=org-save]')
  await page.locator('[data-test=org-name]', { hasText: name }).waitFor()
  const org = Number(new URL(page.url()).pathname.split('/').pop())

  // an evaluator's account
  const username = `js_pg_${Date.now() % 100000}`
  await page.click('[data-test=org-add-user]')
  await page.fill('[data-test=org-user-dialog] input[name=username]', username)
  await page.fill('[data-test=org-user-dialog] input[name=name]', '周敏')
  await page.fill('[data-test=org-user-dialog] input[name=password]', PASSWORD)
  await page.click('[data-test=org-user-save]')
  await page.locator('[data-test=org-members] tr', { hasText: username }).waitFor()

  // engaged (through the API) for 交通运输局
  const office = await apiAs(server, 'gc_office')
  const admin = await apiAs(server, 'admin')
  const jt = (await admin('GET', '/api/v1/units?q=gc-jt&limit=50')).json.units.find((u) => u.code === 'gc-jt').id
  const item = (await office('GET', '/api/v1/items?per_page=50')).json.items.find((i) => i.number).id
  const title = '农村公路养护第三方评估（浏览器测试）'
  const r = await office('POST', '/api/v1/evaluations', {
    title, evaluator_unit_id: org, period_start: day(-30), period_end: day(0), due_date: day(14),
    objects: [{ kind: 'item', id: item }], unit_ids: [jt], indicators: [{ name: '养护质量', max_score: 100 }],
  })
  assert.equal(r.status, 201, JSON.stringify(r.json))
  assert.equal((await office('POST', `/api/v1/evaluations/${r.json.id}/actions/engage`, {})).status, 200)
  await page.reload()
  await page.locator('[data-test=org-engagements] tr', { hasText: title }).waitFor()
  await shot(page, 'evaluator-org')

  // the evaluator: the first password changed, then its organisation's engagements and nobody else's
  const first = await apiAs(server, username)
  const newPassword = 'Eval-Browser-2026'
  assert.equal((await first('PUT', '/api/v1/session/password', { old_password: PASSWORD, new_password: newPassword })).status < 300, true)
  const ev = await newPage(browser, server)
  await loginOk(ev, username, newPassword)
  await ev.goto('/evaluations')
  await ev.locator('[data-test=eval-heading]', { hasText: '本机构受托的评估' }).waitFor()
  await ev.locator('[data-test=eval-table] tr', { hasText: title }).waitFor()
  assert.equal(await ev.locator('[data-test=eval-table] tr', { hasText: '民生实事项目' }).count(), 0, 'another organisation\'s engagement')
  await shot(ev, 'evaluator-engagements')
  await assertNoErrors(t, ev)

  // the office suspends it with a reason
  await page.click('[data-test=org-suspend]')
  await page.fill('.el-message-box input', '评估人员资质证明过期，暂停整改')
  await page.click('.el-message-box__btns .el-button--primary')
  await page.locator('[data-test=org-suspended]', { hasText: '评估人员资质证明过期' }).waitFor()
  await page.locator('[data-test=org-state]', { hasText: '已暂停' }).waitFor()
  await shot(page, 'evaluator-org-suspended')
  // … the evaluator's list empties
  await ev.reload()
  await ev.locator('[data-test=eval-heading]').waitFor()
  await ev.locator('[data-test=eval-table] .el-table__empty-text').waitFor()
  assert.equal(await ev.locator('[data-test=eval-table] tr', { hasText: title }).count(), 0)
  // … and the suspension lifted
  await page.click('[data-test=org-resume]')
  await page.locator('[data-test=org-state]', { hasText: '正常' }).waitFor()
  await ev.reload()
  await ev.locator('[data-test=eval-table] tr', { hasText: title }).waitFor()

  // the office disables the evaluator's account from the organisation's page: its open page is signed out
  const member = page.locator('[data-test=org-members] tr', { hasText: username })
  await member.locator('[data-test=member-disable]').click()
  await page.fill('.el-message-box input', '评估人员已离职')
  await page.click('.el-message-box__btns .el-button--primary')
  await member.locator('[data-test=member-state]', { hasText: '已停用' }).waitFor()
  await ev.reload()
  await ev.waitForURL((url) => url.pathname === '/login')
  // … enables it again and resets its password: a password the rules refuse is named in the dialog first
  await member.locator('[data-test=member-enable]').click()
  await member.locator('[data-test=member-state]', { hasText: '正常' }).waitFor()
  await member.locator('[data-test=member-reset]').click()
  const dlg = page.locator('[data-test=member-reset-dialog]')
  await dlg.locator('input[name=password]').fill('123')
  await dlg.locator('[data-test=member-reset-save]').click()
  await dlg.locator('.el-form-item__error').waitFor()
  await shot(page, 'evaluator-org-reset')
  await dlg.locator('input[name=password]').fill('Eval-Reset-2026!z')
  await dlg.locator('[data-test=member-reset-save]').click()
  await dlg.waitFor({ state: 'hidden' })
  // … the evaluator signs in with the new password, must change it, and finds the office's messages
  await login(ev, username, 'Eval-Reset-2026!z')
  await ev.waitForURL((url) => url.pathname === '/password')
  const again = await apiAs(server, username, 'Eval-Reset-2026!z')
  assert.equal((await again('PUT', '/api/v1/session/password', { old_password: 'Eval-Reset-2026!z', new_password: 'Eval-Browser-2027' })).status < 300, true)
  const told = (await (await apiAs(server, username, 'Eval-Browser-2027'))('GET', '/api/v1/inbox?limit=50')).json.messages.map((m) => m.subject)
  for (const w of ['账号已停用', '账号已启用', '密码已重置']) assert.ok(told.some((s) => s.includes(w)), `${w}: ${told}`)

  await page.goto('/evaluator-orgs')
  await page.locator('[data-test=org-table] tr', { hasText: name }).waitFor()
  await shot(page, 'evaluator-orgs')
  await assertNoErrors(t, page)
})
