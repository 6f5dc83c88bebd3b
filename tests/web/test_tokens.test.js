// API tokens on the users page (issue #17): the county administrator creates a token for an integrating
// system's account (shown once), sees it used, revokes it on its own — the token is refused at once,
// the other token keeps working; another county's administrator cannot see the user.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, toast, apiAs, assertNoErrors, searchUsers } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const asToken = (token) => fetch(server.url + '/api/v1/todos', { headers: { Authorization: 'Bearer ' + token } })

test('the administrator creates a token, sees it once, and revokes it on its own', async (t) => {
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_admin', '/admin/users')
  await searchUsers(page, 'gc_office')
  await page.click('[data-test=tokens-gc_office]')
  const dlg = page.locator('[data-test=tokens-dialog]')
  await dlg.getByText('该用户还没有 API 令牌').waitFor()

  // two tokens: the first one's secret is shown once, on the page only
  const secrets = []
  for (const name of ['县协同办公系统对接', '12345 热线对接']) {
    await dlg.locator('[data-test=token-name]').fill(name)
    await dlg.locator('[data-test=token-create]').click()
    assert.match(await toast(page, 'success', /令牌已创建/), /令牌已创建/)
    const code = dlg.locator('[data-test=token-secret] code')
    await page.waitForFunction((prev) => {
      const c = document.querySelector('[data-test=token-secret] code')
      return c && c.textContent.trim().length === 43 && c.textContent.trim() !== prev
    }, secrets[secrets.length - 1] || '')
    secrets.push((await code.textContent()).trim())
    await dlg.locator('[data-test=token-table] .el-table__row', { hasText: name }).waitFor()
  }
  assert.match(await dlg.locator('[data-test=token-secret]').textContent(), /只显示这一次/)
  await shot(page, 'user-tokens')
  for (const s of secrets) assert.equal((await asToken(s)).status, 200)
  const api = await apiAs(server, 'gc_admin')
  const uid = (await api('GET', '/api/v1/users?q=gc_office')).json.users.find((u) => u.username === 'gc_office').id
  const listed = (await api('GET', `/api/v1/users/${uid}/tokens`)).json.tokens
  assert.ok(!JSON.stringify(listed).includes(secrets[0]), 'the list never carries a secret')

  // revoke the first: confirmed, refused at once, the second still works
  const first = listed.find((x) => x.name === '县协同办公系统对接')
  await dlg.locator(`[data-test=token-revoke-${first.id}]`).click()
  await page.click('.el-message-box__btns .el-button--primary')
  assert.match(await toast(page, 'success', /令牌已吊销/), /令牌已吊销/)
  await dlg.locator('[data-test=token-table] .el-table__row', { hasText: '县协同办公系统对接' }).locator('[data-test=token-revoked]').waitFor()
  assert.equal((await asToken(secrets[0])).status, 401)
  assert.equal((await asToken(secrets[1])).status, 200)
  assert.equal(await dlg.locator(`[data-test=token-revoke-${first.id}]`).count(), 0, 'no second revocation offered')
  await shot(page, 'user-tokens-revoked')
  const audit = (await api('GET', `/api/v1/audit?action=token.revoke&object_type=user&object_id=${uid}`)).json.records
  assert.equal(audit.length, 1)

  // another county's administrator does not see the user, nor its tokens
  const ap = await apiAs(server, 'ap_admin')
  assert.equal((await ap('GET', `/api/v1/users/${uid}/tokens`)).status, 404)
  await assertNoErrors(t, page)
})
