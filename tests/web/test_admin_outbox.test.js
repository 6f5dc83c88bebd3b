// Notification delivery (通知投递) for the administrator's IT staff: which channels this node has configured, a
// test message through a user's channels (a bad user name refused with the server's words, nothing queued), the
// e-mail that could not be delivered given up as a dead letter with the reason, sent again (audited); another
// county's administrator does not see it; a user who administers nothing is told the page is not theirs; more than a
// page of messages: the older ones come below, page by page.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, toast, apiAs, assertNoErrors } from './helper.js'

let server, browser
before(async () => {
  // a mail server that is not there (a port nobody listens on): every e-mail fails at once and, after one
  // attempt, is a dead letter; SMS is not configured; fast passes
  const closed = createServer()
  await new Promise((r) => closed.listen(0, '127.0.0.1', r))
  const port = closed.address().port
  await new Promise((r) => closed.close(r))
  Object.assign(process.env, { DUCHA_SMTP_URL: `smtp://127.0.0.1:${port}`, DUCHA_NOTIFY_ATTEMPTS: '1', DUCHA_SCHEDULER_INTERVAL_S: '1' })
  server = await startServer()
  browser = await startBrowser()
})
after(async () => { await browser?.close(); await server?.stop() })

const until = async (pred, ms = 20000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) if (await pred()) return true
  return pred()
}
const SUBJECT = '古城县邮件设置检查'

test('the administrator checks the channels, sends a test message, sees it fail and sends it again', async (t) => {
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_admin')
  await page.click('[data-test=menu-outbox]')
  await page.waitForURL((u) => u.pathname === '/admin/outbox')
  // the channels as this node has them
  const channels = page.locator('[data-test=outbox-channels]')
  await channels.locator('[data-test=channel-email]').waitFor()
  assert.match(await channels.locator('[data-test=channel-email]').textContent(), /电子邮件\s*已配置/)
  assert.match(await channels.locator('[data-test=channel-sms]').textContent(), /短信\s*未配置，消息等待中/)
  assert.match(await page.locator('[data-test=outbox-stale]').textContent(), /超过 3 个工作日仍未能发出的邮件和短信不再补发/)

  // a test message to nobody: the server's words, nothing queued
  const api = await apiAs(server, 'gc_admin')
  const pendingBefore = (await api('GET', '/api/v1/admin/outbox?state=pending&limit=500')).json.messages.length
  await page.click('[data-test=outbox-test]')
  const dlg = page.locator('[data-test=outbox-test-dialog]')
  await dlg.locator('[data-test=outbox-test-user]').fill('gc_nobody')
  await dlg.locator('[data-test=outbox-test-subject]').fill(SUBJECT)
  await page.click('[data-test=outbox-test-send]')
  assert.match(await toast(page, 'error', /gc_nobody/), /用户 gc_nobody 不存在或无权查看/)
  assert.equal((await api('GET', '/api/v1/admin/outbox?state=pending&limit=500')).json.messages.length, pendingBefore)

  // to the county office, urgent (an ordinary one waits for office hours on a working day): queued on its channels
  await dlg.locator('[data-test=outbox-test-user]').fill('gc_office')
  await dlg.locator('[data-test=outbox-test-urgent]').click()
  await shot(page, 'admin-outbox-test')
  await page.click('[data-test=outbox-test-send]')
  assert.match(await toast(page, 'success', /测试通知已排队/), /测试通知已排队：.*电子邮件/)

  // the mail server is not there: after the scheduler's pass the e-mail is a dead letter, with the reason
  const dead = async () => (await api('GET', '/api/v1/admin/outbox?state=dead&limit=500')).json.messages.filter((m) => m.subject === SUBJECT)
  assert.ok(await until(async () => (await dead()).length === 1), 'the e-mail became a dead letter')
  const [letter] = await dead()
  assert.equal(letter.channel, 'email')
  assert.equal(letter.username, 'gc_office')
  assert.equal(letter.kind_label, '系统通知')
  await page.click('[data-test=outbox-state-dead]')
  // the list shown is in the address: a reload (or a link) opens the same
  await page.waitForURL((u) => u.pathname === '/admin/outbox' && u.searchParams.get('state') === 'dead')
  await page.reload()
  const row = page.locator('[data-test=outbox-table] .el-table__row', { hasText: SUBJECT })
  await row.waitFor()
  assert.match(await page.locator('[data-test=outbox-state] .is-active').textContent(), /发送失败/)
  assert.match(await row.textContent(), /gc_office/)
  assert.match(await row.textContent(), /gc_office@demo\.ducha\.local/)
  assert.notEqual((await row.locator('[data-test=outbox-reason]').textContent()).trim(), '', 'the reason it failed')
  await shot(page, 'admin-outbox')

  // sent again: queued, audited, tried again by the next pass (and given up again: the server is still not there)
  await row.locator(`[data-test=outbox-retry-${letter.id}]`).click()
  assert.match(await toast(page, 'success', /已重新排队/), /已重新排队/)
  const audit = (await api('GET', `/api/v1/audit?action=outbox.retry&object_type=outbox&object_id=${letter.id}&limit=5`)).json.records
  assert.equal(audit.length, 1)
  assert.ok(await until(async () => (await dead()).some((m) => m.id === letter.id && m.attempts === 1 && m.last_error)),
    'tried again by the next pass')
  await assertNoErrors(t, page)
})

test('another county does not see the messages, and a user who administers nothing is told why', async (t) => {
  const api = await apiAs(server, 'gc_admin')
  await until(async () => (await api('GET', '/api/v1/admin/outbox?state=dead&limit=500')).json.messages.some((m) => m.username === 'gc_office'))
  const page = await newPage(browser, server)
  await loginTo(page, 'ap_admin', '/admin/outbox')
  await page.locator('[data-test=outbox-table]').waitFor()
  await page.click('[data-test=outbox-state-dead]')
  await page.waitForLoadState('networkidle')
  const users = await page.locator('[data-test=outbox-table] .el-table__row').allTextContents()
  assert.ok(!users.some((r) => /gc_/.test(r)), 'no recipient of 古城县')
  const office = await newPage(browser, server)
  await loginTo(office, 'gc_office', '/admin/outbox')
  const f = office.locator('[data-test=forbidden]')
  await f.waitFor()
  assert.match(await f.textContent(), /通知投递/)
  assert.equal(await office.locator('[data-test=outbox-table]').count(), 0)
  await assertNoErrors(t, page)
  await assertNoErrors(t, office)
})

test('more than a page of dead letters: the older ones come below, page by page, each once', async (t) => {
  const api = await apiAs(server, 'gc_admin')
  // 101 urgent test messages (urgent: sent at once, whatever the hour): each a dead letter after its one attempt
  for (let i = 0; i < 101; i++) {
    const r = await api('POST', '/api/v1/admin/notifications/test', { username: 'gc_contact', subject: `翻页检查${i}`, urgent: true })
    assert.equal(r.status, 202)
  }
  const dead = async () => (await api('GET', '/api/v1/admin/outbox?state=dead&limit=500')).json.messages
  assert.ok(await until(async () => (await dead()).filter((m) => /^翻页检查/.test(m.subject) && m.channel === 'email').length === 101, 60000),
    'the 101 e-mails are dead letters')
  const all = await dead()
  assert.ok(all.length > 100)
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_admin', '/admin/outbox?state=dead')
  const rows = page.locator('[data-test=outbox-table] .el-table__row')
  const more = page.locator('[data-test=outbox-more]')
  await more.filter({ hasText: '加载更多' }).waitFor()
  assert.equal(await rows.count(), 100)
  assert.match(await rows.first().textContent(), new RegExp(all[0].subject))
  await more.click()
  await more.filter({ hasText: '已到最后' }).waitFor()
  assert.equal(await rows.count(), all.length)
  assert.ok(await more.isDisabled())
  // the oldest last, once
  assert.match(await rows.last().textContent(), new RegExp(all[all.length - 1].subject))
  const numbers = (await rows.allTextContents()).map((r) => r.match(/翻页检查(\d+)/)?.[1]).filter(Boolean)
  assert.equal(numbers.length, 101)
  assert.equal(new Set(numbers).size, 101, 'each message once')
  await assertNoErrors(t, page)
})
