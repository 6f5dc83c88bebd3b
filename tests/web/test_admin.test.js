// Administration: the unit tree, users and roles, the audit log; refusals; county isolation.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, toast, pick, apiAs, assertNoErrors, searchUsers, ROOT, fieldMarks, markTexts } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

test('the county administrator creates a unit under the county government', async (t) => {
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_admin')
  await page.click('[data-test=menu-units]')
  await page.waitForURL('**/admin/units')
  await page.locator('.unit-tree .el-tree-node', { hasText: '古城县人民政府' }).first().waitFor()
  await page.locator('[data-test=unit-children] .el-table__row').first().waitFor()
  await shot(page, 'units')
  await page.click('[data-test=unit-new-child]')
  const dlg = page.locator('[data-test=unit-dialog]')
  // saved blank: both required fields marked at once, nothing sent
  await page.click('[data-test=unit-save]')
  assert.deepEqual(await markTexts(dlg, 2), ['请填写：代码', '请填写：名称'])
  await dlg.locator('input[name=code]').fill('gc-web1')
  await fieldMarks(dlg).nth(1).waitFor({ state: 'detached' })
  assert.deepEqual(await markTexts(dlg), ['请填写：名称'], 'a mark goes once its field is filled')
  await dlg.locator('input[name=name]').fill('古城县网页测试局')
  await page.click('[data-test=unit-save]')
  assert.match(await toast(page, 'success', /已新建单位：古城县网页测试局/), /已新建单位：古城县网页测试局/)
  await page.locator('[data-test=unit-children] .el-table__row', { hasText: '古城县网页测试局' }).waitFor()
  // the server has it, under 古城县人民政府
  const api = await apiAs(server, 'gc_admin')
  const r = await api('GET', '/api/v1/units?q=gc-web1')
  assert.equal(r.json.units.length, 1)
  assert.match(r.json.units[0].path, /^\/1\/33\//)

  // refused: the same code again (409) shows the server's words
  await page.click('[data-test=unit-new-child]')
  await dlg.locator('input[name=code]').fill('gc-web1')
  await dlg.locator('input[name=name]').fill('重复代码')
  await page.click('[data-test=unit-save]')
  assert.match(await toast(page, 'error', /单位代码 gc-web1 已存在/), /单位代码 gc-web1 已存在/)
  assert.deepEqual(await markTexts(dlg), ['单位代码 gc-web1 已存在'], 'the refused code is marked at its field')
  // a dialog opened again starts without the last one's marks
  await page.keyboard.press('Escape')
  await dlg.waitFor({ state: 'hidden' })
  await page.click('[data-test=unit-new-child]')
  await dlg.locator('input[name=code]').waitFor()
  assert.equal(await fieldMarks(dlg).count(), 0)
  await page.keyboard.press('Escape')
  await assertNoErrors(t, page)
})

test('a refused delete shows its message and changes nothing', async (t) => {
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_admin', '/admin/units')
  await page.locator('[data-test=unit-children] .el-table__row').first().waitFor()
  await page.click('[data-test=unit-delete]')
  await page.click('.el-message-box__btns .el-button--primary')
  const msg = await toast(page, 'error')
  assert.ok(msg.length > 4 && !/\d{3}/.test(msg.slice(0, 3)), `a sentence, not a code: ${msg}`)
  const api = await apiAs(server, 'gc_admin')
  assert.equal((await api('GET', '/api/v1/units/33')).status, 200, 'the county government is still there')
  // the unit's digital seal: created from the page, its fingerprint shown and equal to the server's
  await page.click('[data-test=unit-seal-create]')
  assert.match(await toast(page, 'success', /电子印章已创建/), /电子印章已创建/)
  const seal = (await api('GET', '/api/v1/units/33/seal')).json
  assert.match(await page.locator('[data-test=unit-seal]').textContent(), new RegExp(seal.fingerprint.slice(0, 16)))
  await assertNoErrors(t, page)
})

test('units import from the template workbook or a CSV with Chinese headings; errors by row and column', async (t) => {
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_admin', '/admin/units')
  await page.click('[data-test=unit-import]')
  const dlg = page.locator('[data-test=import-dialog]')
  await dlg.waitFor()
  // our own upload control, in Chinese: not the browser's "Choose Files / No file chosen"
  assert.match(await dlg.textContent(), /选择文件[\s\S]*未选择文件/)
  assert.equal(await dlg.locator('input[type=file]').isVisible(), false)
  // the template downloads under its Chinese name
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=import-template]')])
  assert.equal(download.suggestedFilename(), '单位导入模板.xlsx')
  const template = await download.path()
  // a CSV with a wrong type: the row, the column and its heading are named; nothing is imported
  const csv = '单位代码,单位名称,类型,上级单位代码\ngc-csv1,古城县导入一局,部门,gc\ngc-csv2,古城县导入二局,城堡,gc\n'
  await dlg.locator('[data-test=import-file]').setInputFiles({ name: '单位.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
  assert.match(await dlg.locator('[data-test=file-pick-names]').textContent(), /单位\.csv/)
  await page.click('[data-test=import-submit]')
  await dlg.locator('[data-test=import-errors] .el-table__row').first().waitFor()
  const rows = await dlg.locator('[data-test=import-errors] .el-table__row').allTextContents()
  assert.deepEqual(rows.length, 1, rows.join('|'))
  assert.match(rows[0], /^3C（类型）类型“城堡”不存在/)
  const api = await apiAs(server, 'gc_admin')
  assert.equal((await api('GET', '/api/v1/units?q=gc-csv1')).json.units.length, 0, 'all rows or none')
  // the template as downloaded: checked first (nothing written), then imported
  await dlg.locator('[data-test=import-file]').setInputFiles({ name: '单位导入模板.xlsx', mimeType: 'application/octet-stream', buffer: readFileSync(template) })
  await page.click('[data-test=import-check]')
  await dlg.locator('[data-test=import-result]').waitFor()
  assert.match(await dlg.locator('[data-test=import-result]').textContent(), /预检通过：将新建 2 个/)
  assert.equal((await dlg.locator('[data-test=import-units] .el-table__row').allTextContents()).length, 2)
  assert.equal((await api('GET', '/api/v1/units?q=gc-example')).json.units.length, 0, 'a check writes nothing')
  await shot(page, 'unit-import')
  await page.click('[data-test=import-submit]')
  assert.match(await toast(page, 'success', /导入成功/), /新建 2 个/)
  const made = (await api('GET', '/api/v1/units?q=gc-example')).json.units
  assert.deepEqual(made.map((u) => u.kind).sort(), ['department', 'township'])
  await assertNoErrors(t, page)
})

test('the administrator creates a user with a role, and the user signs in', async (t) => {
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_admin')
  await page.click('[data-test=menu-users]')
  await page.locator('[data-test=user-table] .el-table__row').first().waitFor()
  await shot(page, 'users')
  await page.click('[data-test=user-new]')
  const dlg = page.locator('[data-test=user-dialog]')
  await page.click('[data-test=user-save]')
  assert.deepEqual(await markTexts(dlg, 4), ['请填写：用户名', '请填写：姓名', '请填写：所属单位', '请填写：初始密码'])
  await dlg.locator('input[name=username]').fill('gc_webuser')
  await dlg.locator('input[name=name]').fill('网页用户')
  await pick(page, dlg.locator('.el-form-item', { hasText: '所属单位' }), '交通运输局', '古城县交通运输局')
  await dlg.locator('input[name=password]').fill('Start#Pass2026')
  await fieldMarks(dlg).waitFor({ state: 'detached' })
  await dlg.getByRole('button', { name: '+ 角色' }).click()
  const row = dlg.locator('.grant-row').first()
  await row.locator('.el-select').first().click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: '承办单位联络员' }).click()
  await page.click('[data-test=user-save]')
  assert.match(await toast(page, 'success', /已新建用户 gc_webuser/), /已新建用户 gc_webuser/)
  await page.locator('[data-test=user-table] .el-table__row', { hasText: 'gc_webuser' }).waitFor()
  const text = await page.locator('[data-test=user-table] .el-table__row', { hasText: 'gc_webuser' }).textContent()
  assert.match(text, /承办单位联络员/)
  assert.match(text, /需改密/)

  // a refused action: disabling oneself
  await searchUsers(page, 'gc_admin')
  await page.click('[data-test=disable-gc_admin]')
  await page.click('.el-message-box__btns .el-button--primary')
  assert.match(await toast(page, 'error', /不能停用自己的账号/), /不能停用自己的账号/)

  // the new user must change the password first
  const p2 = await newPage(browser, server)
  await p2.goto('/login')
  await p2.fill('input[name=username]', 'gc_webuser')
  await p2.fill('input[name=password]', 'Start#Pass2026')
  await p2.click('[data-test=login-submit]')
  await p2.waitForURL('**/password')
  await assertNoErrors(t, page)
  await assertNoErrors(t, p2)
})

test('the administrator grants and revokes a role; the leader portfolio is shown', async (t) => {
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_admin', '/admin/users')
  await searchUsers(page, 'gc_leader')
  await page.click('[data-test=roles-gc_leader]')
  const dlg = page.locator('[data-test=roles-dialog]')
  await dlg.locator('.el-table__row').first().waitFor()
  // the portfolio (交通运输局, 住建局, 水利局) is listed
  const pf = await dlg.locator('.el-select__selection').last().textContent()
  assert.match(pf, /交通运输局/)
  await dlg.locator('[data-test=grant-role]').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: '督查专员' }).click()
  await page.click('[data-test=grant-submit]')
  assert.match(await toast(page, 'success', /已授予角色/), /已授予角色/)
  await dlg.locator('.el-table__row', { hasText: '督查专员' }).waitFor()
  const api = await apiAs(server, 'gc_admin')
  const uid = (await api('GET', '/api/v1/users?q=gc_leader')).json.users.find((u) => u.username === 'gc_leader').id
  assert.ok((await api('GET', `/api/v1/users/${uid}`)).json.roles.some((g) => g.role === 'inspector'))
  await dlg.locator('.el-table__row', { hasText: '督查专员' }).getByRole('button', { name: '撤销' }).click()
  await page.click('.el-message-box__btns .el-button--primary')
  assert.match(await toast(page, 'success', /已撤销/), /已撤销/)
  await page.waitForLoadState('networkidle')
  assert.ok(!(await api('GET', `/api/v1/users/${uid}`)).json.roles.some((g) => g.role === 'inspector'))
  await assertNoErrors(t, page)
})

test('the audit log lists the changes and its chain verifies', async (t) => {
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_admin', '/admin/audit')
  await page.locator('[data-test=audit-table] .el-table__row').first().waitFor()
  await page.click('[data-test=audit-verify]')
  const res = page.locator('[data-test=audit-verify-result]')
  await res.waitFor()
  assert.match(await res.textContent(), /审计链完整/)
  // what was checked, in words: the signed checkpoints (none yet, or how many and how far)
  assert.match(await page.locator('[data-test=audit-verify-details]').textContent(), /签名检查点：已核对 \d+ 个（最后一个覆盖 \d+ 条记录|尚无签名检查点/)
  // each entry in words: no recorded action names ("item.approve") and no JSON on the page
  const actions = await page.locator('[data-test=audit-action]').allTextContents()
  assert.ok(actions.length > 5, actions.join('|'))
  assert.deepEqual(actions.filter((a) => /^[a-z_]+\.[a-z_]+$/.test(a.trim())), [], 'every action has words')
  const sums = await page.locator('[data-test=audit-summary]').allTextContents()
  assert.deepEqual(sums.filter((x) => /[{}"]/.test(x)), [], 'no raw JSON in the summaries')
  assert.ok(sums.filter((x) => x.trim()).length > actions.length / 2, sums.join('|'))
  await shot(page, 'audit')
  const me = (await (await apiAs(server, 'gc_admin'))('GET', '/api/v1/session')).json.user
  // the kinds of object that are not workflows are named in words too (单位 #3, not unit #3)
  for (const [type, word] of [['unit', '单位'], ['user', '用户']]) {
    await page.fill('input[placeholder="对象类型"]', type)
    await page.click('.filters .el-button--primary')
    await page.waitForFunction((w) => {
      const cells = [...document.querySelectorAll('[data-test=audit-object]')]
      // an import is one record for a whole file: it says how many rows of which file instead of a number
      return cells.length > 0 && cells.every((e) => e.textContent.trim().startsWith(w + ' #') || new RegExp(`^${w} \\d+ 条`).test(e.textContent.trim()))
    }, word)
  }
  await page.fill('input[placeholder="对象类型"]', '')
  // the person beside the account, and the role acted in even for a sign-in, which no role decides
  await page.fill('input[placeholder="动作（如 unit.create）"]', 'session.login')
  await page.click('.filters .el-button--primary')
  await page.waitForFunction(() => [...document.querySelectorAll('[data-test=audit-action]')].every((e) => /登录/.test(e.textContent)))
  const who = (await page.locator('[data-test=audit-actor]').allTextContents()).map((x) => x.trim())
  assert.ok(who.includes(`${me.name}（gc_admin）`), who.join('|'))
  const roles = (await page.locator('[data-test=audit-role]').allTextContents()).map((x) => x.trim())
  assert.ok(roles.length === who.length && roles.every((r) => r && r !== '—'), roles.join('|'))
  await shot(page, 'audit-login')
  // the import of the template (the test above): its rows and its file in words, never "单位 #0"
  await page.fill('input[placeholder="动作（如 unit.create）"]', 'unit.import')
  await page.click('.filters .el-button--primary')
  const imported = page.locator('[data-test=audit-object]', { hasText: '单位导入模板.xlsx' })
  await imported.first().waitFor()
  assert.equal((await imported.first().textContent()).trim(), '单位 2 条，文件《单位导入模板.xlsx》')
  assert.doesNotMatch(await page.locator('[data-test=audit-table]').textContent(), /#0\b/)
  await shot(page, 'audit-import')
  // an item's approval: the action by the workflow's word, the states it moved between
  await page.fill('input[placeholder="动作（如 unit.create）"]', 'item.approve')
  await page.click('.filters .el-button--primary')
  await page.waitForFunction(() => [...document.querySelectorAll('[data-test=audit-action]')].every((e) => /督办事项/.test(e.textContent)))
  const row = page.locator('[data-test=audit-table] .el-table__row').first()
  assert.match(await row.locator('[data-test=audit-summary]').textContent(), /→ /)
  // the raw record only on demand
  await row.locator('.el-table__expand-icon').click()
  await page.locator('[data-test=audit-full]').first().waitFor()
  assert.equal(await page.locator('[data-test=audit-raw]').count(), 0)
  await page.locator('[data-test=audit-raw-toggle]').first().click()
  assert.match(await page.locator('[data-test=audit-raw]').first().textContent(), /"from": "/)
  await shot(page, 'audit-raw')
  await assertNoErrors(t, page)
})

// Every action the server records (audit_record(c, "<object>.<verb>", … in src/) has words on the audit page: its
// own (auditAction.<object>.<verb> of both message files) or its workflow's action or event label (GET /api/v1/workflows,
// merged by web/src/workflows.js); the page shows the recorded name otherwise (the first page's check above
// sees only the demo's records).
test('every audit action the server records has words in both languages', async () => {
  const root = ROOT
  const actions = new Set()
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name))
      else if (e.name.endsWith('.c'))
        for (const m of readFileSync(join(d, e.name), 'utf8').matchAll(/audit_record\(\w+, "([a-z_]+\.[a-z_]+)"/g)) actions.add(m[1])
    }
  }
  walk(join(root, 'src'))
  assert.ok(actions.size > 50, [...actions].join(' '))
  const api = await apiAs(server, 'gc_admin')
  const labelled = new Set()
  for (const w of (await api('GET', '/api/v1/workflows')).json.workflows)
    for (const a of [...(w.actions || []), ...(w.events || [])]) if (a.label) labelled.add(`${w.name}.${a.name}`)
  for (const lang of ['zh-CN', 'en']) {
    const words = JSON.parse(readFileSync(join(root, 'web', 'src', 'locales', `${lang}.json`), 'utf8')).auditAction
    const missing = [...actions].filter((a) => { const [o, v] = a.split('.'); return !words[o]?.[v] && !labelled.has(a) })
    assert.deepEqual(missing, [], `${lang}: audit actions without words`)
  }
})

test('an administrator of another county sees none of 古城县', async (t) => {
  const page = await newPage(browser, server)
  await loginTo(page, 'ap_admin', '/admin/units')
  await page.locator('.unit-tree .el-tree-node').first().waitFor()
  const tree = await page.locator('.unit-tree').textContent()
  assert.match(tree, /安平县/)
  assert.doesNotMatch(tree, /古城/)
  await page.fill('.tree-panel input', '古城')
  await page.keyboard.press('Enter')
  await page.locator('.results').waitFor()
  assert.doesNotMatch(await page.locator('.results').textContent(), /古城/)
  await page.goto('/admin/users')
  await page.locator('[data-test=user-table] .el-table__row').first().waitFor()
  assert.doesNotMatch(await page.locator('[data-test=user-table]').textContent(), /gc_/)
  await assertNoErrors(t, page)
})

test('the workbench on a phone', async (t) => {
  const page = await newPage(browser, server, { width: 390, height: 844 })
  await loginOk(page, 'gc_contact')
  await shot(page, 'workbench-phone')
  await page.click('.menu-btn')
  await page.locator('.menu-drawer .el-menu-item').first().waitFor()
  await assertNoErrors(t, page)
})
