// Every waiting step of the item loop reaches the person who must act, in the browser. Each actor in
// turn signs in, finds the to-do on the workbench (GET /api/v1/todos: the server's words for the
// task) and the message in the inbox, opens the to-do, acts, and sees it gone from the workbench:
// office registers → deputy approves → director approves → office assigns → unit contact receives
// and reports → secretarial section reviews → contact requests an extension → office decides →
// contact requests completion → head signs → office verifies with a grade → office archives. At each
// step the item page shows the state's label and the progress (40 % after the report, 100 % once
// completed and archived) and no internal word of the workflow tables.
// Each role's workbench, with its to-do on it, is saved for docs/screenshots/.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, release, loginOk, shot, toast, pick, apiAs, assertNoErrors, inDays } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const TITLE = '城西排水管网改造（闭环测试）'
let number = ''
const shotTaken = new Set()

async function act(page, action, fill) {
  await page.click(`[data-test=act-${action}]`)
  const dlg = page.locator('[data-test=action-dialog]')
  await dlg.waitFor()
  if (fill) await fill(dlg)
  await page.click('[data-test=action-submit]')
  await dlg.waitFor({ state: 'hidden' })
}
const todoRow = (page, task) => page.locator('[data-test=wb-todos] .wb-todo', { hasText: TITLE }).filter({ hasText: task })

// One turn: `user` signs in, sees the to-do `task` on the workbench and a message matching `message`
// in the inbox, opens the to-do, does `work`, and sees the to-do gone from the workbench.
async function turn(t, user, task, message, work) {
  const page = await newPage(browser, server)
  await loginOk(page, user)
  const row = todoRow(page, task)
  await row.waitFor()
  assert.ok((await row.textContent()).includes(number), `${user}: the to-do names the item ${number}`)
  if (!shotTaken.has(user)) {
    shotTaken.add(user)
    await shot(page, `workbench-${user.replace(/^gc_/, '')}`)
  }
  // the message that handed the work over, in the inbox, linked to the item
  await page.click('[data-test=menu-inbox]')
  const msg = page.locator('[data-test=inbox-message]', { hasText: number }).filter({ hasText: message }).first()
  await msg.waitFor()
  assert.ok(await msg.locator('[data-test=inbox-open]').count(), `${user}: the message links to the item`)
  // the to-do opens the item
  await page.click('[data-test=menu-workbench]')
  await row.click()
  await page.waitForURL(/\/items\/\d+$/)
  await page.locator('[data-test=item-state]').waitFor()
  await work(page)
  // gone from the workbench once done
  await page.click('[data-test=menu-workbench]')
  await page.locator('[data-test=wb-cards]').waitFor()
  await page.waitForLoadState('networkidle')
  assert.equal(await todoRow(page, task).count(), 0, `${user}: "${task}" is gone after acting`)
  await assertNoErrors(t, page)
  await release(page)
}

// What the item page shows at a step: the state's label, the overall progress, and nowhere an internal word
// of the workflow tables (state, action or event names such as in_progress, request_completion, pause).
const RAW = /\b(draft|submitted|deputy_approved|approved|assigned|received|in_progress|completion_requested|completion_signed|completed|archived|withdrawn|suspended|approve|assign|receive|report|request_extension|decide_extension|request_completion|sign|verify|archive|pause|resume|override|press)\b/
async function sees(page, state, progress) {
  await page.locator('[data-test=item-state]', { hasText: state }).waitFor()
  await page.locator('[data-test=item-progress]', { hasText: `${progress}%` }).waitFor()
  await page.waitForLoadState('networkidle')
  const words = (await page.locator('.page').innerText()).match(RAW)
  assert.equal(words, null, `an internal word on the item page at "${state}": ${words}`)
}

// The messages of a decision about the unit's work (no to-do): `user` finds it in the inbox.
async function told(t, user, message) {
  const page = await newPage(browser, server)
  await loginOk(page, user)
  await page.click('[data-test=menu-inbox]')
  await page.locator('[data-test=inbox-message]', { hasText: number }).filter({ hasText: message }).first().waitFor()
  await assertNoErrors(t, page)
  await release(page)
}

test('every waiting step of an item reaches the person who must act, role by role', async (t) => {
  const office = await newPage(browser, server)
  await loginOk(office, 'gc_office')
  await office.click('[data-test=menu-item-new]')
  await office.fill('[data-test=new-title]', TITLE)
  await office.fill('[data-test=new-requirement]', '年底前完成城西片区排水管网改造，每月报送进展。')
  await pick(office, office.locator('[data-test=new-lead]'), '交通运输局', '古城县交通运输局')
  const due = office.locator('.el-form-item', { hasText: '办理时限' }).locator('input')
  await due.fill(inDays(20))
  await due.press('Enter')
  await office.keyboard.press('Escape')
  await office.click('[data-test=new-submit]')
  const registered = await toast(office, 'success', /已立项：古督〔\d{4}〕\d+号/)
  number = registered.replace(/^已立项：/, '')
  await office.waitForURL(/\/items\/\d+$/)
  const id = Number(office.url().split('/').pop())
  await assertNoErrors(t, office)
  await release(office)

  const api = await apiAs(server, 'gc_office')
  const stateOf = async () => (await api('GET', `/api/v1/items/${id}`)).json.state

  await turn(t, 'gc_deputy', '待副主任审核', /【待办】待副主任审核/, (p) => act(p, 'approve'))
  await turn(t, 'gc_director', '待主任审批', /【待办】待主任审批/, (p) => act(p, 'approve'))
  await turn(t, 'gc_office', '待交办', /【待办】待交办/, (p) => act(p, 'assign'))
  assert.equal(await stateOf(), 'assigned')
  await told(t, 'gc_head', /【督办通知】/)

  // the unit contact receives (the 督办通知 is its message) and reports progress
  await turn(t, 'gc_contact', '待签收', /【督办通知】/, async (p) => {
    await act(p, 'receive')
    await sees(p, '已签收', 0)
  })
  await turn(t, 'gc_contact', '待报送进展', /【督办通知】/, async (p) => {
    await act(p, 'report', async (dlg) => {
      await dlg.locator('[data-test=action-text]').fill('已完成管网普查和设计，开始分段施工。')
      const pct = dlg.locator('.el-slider .el-input-number input')
      await pct.fill('40')
      await pct.press('Tab')
    })
    await p.locator('[data-test=report]', { hasText: '分段施工' }).waitFor()
    await sees(p, '办理中', 40)
  })

  // the secretarial section reviews the report; the contact hears the result
  await turn(t, 'gc_secretary', '进展报告待审核', /【待办】进展报告待审核/, async (p) => {
    await p.locator('[data-test=report]', { hasText: '分段施工' }).getByRole('button', { name: '审核通过' }).click()
    await p.click('.el-message-box__btns .el-button--primary')
    await toast(p, 'success', /已审核/)
    await p.locator('[data-test=report]', { hasText: '已通过' }).waitFor()
  })
  await told(t, 'gc_contact', /【办理结果】进展报告已通过审核/)

  // the contact asks for more time (its reporting to-do stays); the office decides; the contact hears it
  {
    const page = await newPage(browser, server)
    await loginOk(page, 'gc_contact')
    await todoRow(page, '报送进展').click()
    await page.locator('[data-test=item-state]').waitFor()
    await act(page, 'request_extension', async (dlg) => {
      const d = dlg.locator('.el-form-item', { hasText: '申请延至' }).locator('input')
      await d.fill(inDays(50))
      await d.press('Enter')
      await dlg.locator('[data-test=action-reason]').fill('雨季施工受限，申请延期一个月。')
    })
    await page.locator('.panel', { hasText: '延期申请' }).locator('.el-tag', { hasText: '待审批' }).waitFor()
    await assertNoErrors(t, page)
    await release(page)
  }
  await turn(t, 'gc_office', '延期申请待审批', /【待办】延期申请待审批/, async (p) => {
    await act(p, 'decide_extension')
    await p.locator('.panel', { hasText: '延期申请' }).locator('.el-tag', { hasText: '已同意' }).waitFor()
  })
  await told(t, 'gc_contact', /【办理结果】审批延期/)

  // the contact asks for completion; the head signs; the office verifies with a grade and archives
  await turn(t, 'gc_contact', '报送进展', /【办理结果】审批延期/, async (p) => {
    await act(p, 'request_completion', (dlg) => dlg.locator('[data-test=action-text]').fill('城西排水管网已全部改造完成，经验收合格。'))
    await p.locator('[data-test=item-state]', { hasText: '申请办结' }).waitFor()
  })
  await turn(t, 'gc_head', '办结答复待负责人核签', /【待办】办结答复待负责人核签/, async (p) => {
    await act(p, 'sign')
    await p.locator('[data-test=item-state]', { hasText: '已核签待审核' }).waitFor()
  })
  await turn(t, 'gc_office', '办结答复待审核', /【待办】办结答复待审核/, async (p) => {
    await act(p, 'verify', (dlg) => dlg.locator('[data-test=action-grade] label', { hasText: '优秀' }).click())
    await sees(p, '已办结', 100)
  })
  await told(t, 'gc_contact', /【办理结果】审核办结/)
  await told(t, 'gc_head', /【办理结果】审核办结/)
  await turn(t, 'gc_office', '待立卷归档', /【待办】待立卷归档/, async (p) => {
    await act(p, 'archive')
    await sees(p, '已归档', 100)
  })
  assert.equal(await stateOf(), 'archived')
  assert.equal((await api('GET', `/api/v1/items/${id}`)).json.progress, 100)

  // nobody waits on the archived item any more, and nobody in another county ever did
  for (const u of ['gc_office', 'gc_deputy', 'gc_director', 'gc_contact', 'gc_secretary', 'gc_head', 'ap_office', 'ap_contact']) {
    const me = await apiAs(server, u)
    const r = await me('GET', '/api/v1/todos?limit=200')
    assert.equal(r.status, 200)
    assert.equal(r.json.todos.filter((x) => x.kind === 'item' && x.object_id === id).length, 0, `${u} still has a to-do on the archived item`)
    if (u.startsWith('ap_')) {
      const inbox = await me('GET', '/api/v1/inbox?limit=200')
      assert.equal(inbox.json.messages.filter((m) => m.object_type === 'item' && m.object_id === id).length, 0, `${u} was told of another county's item`)
    }
  }
})

test('the workbench pages through every to-do of a busy office, with counts for all of them', async (t) => {
  // 120 drafts imported: each waits on the office to submit it
  const office = await apiAs(server, 'gc_office')
  const head = 'title,requirement,source_kind,source_ref,lead_unit,co_units,leader,due_date,importance,kind'
  const rows = Array.from({ length: 120 }, (_, i) => `分页测试事项${String(i + 1).padStart(3, '0')},按期办结,meeting,,gc-jt,,,${inDays(30 + (i % 40))},general,once`)
  const r = await office('POST', '/api/v1/items/import?dry_run=0', undefined, { raw: [head, ...rows].join('\n') + '\n', contentType: 'text/csv; charset=utf-8' })
  assert.ok(r.status < 300 && r.json.created === 120, JSON.stringify(r.json))
  const all = (await office('GET', '/api/v1/todos?limit=1')).json.counts.total
  assert.ok(all >= 120, `${all} to-dos`)

  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  await page.locator('[data-test=wb-todos] .wb-todo').first().waitFor()
  assert.equal(Number(await page.locator('[data-test=wb-todo-count]').textContent()), all, 'the card counts every to-do')
  let shown = await page.locator('[data-test=wb-todos] .wb-todo').count()
  assert.ok(shown < all, 'one page at a time')
  while (await page.locator('[data-test=wb-more]').count()) {
    await page.click('[data-test=wb-more]')
    await page.waitForFunction((n) => document.querySelectorAll('[data-test=wb-todos] .wb-todo').length > n, shown)
    shown = await page.locator('[data-test=wb-todos] .wb-todo').count()
  }
  assert.equal(shown, all, 'every to-do reached by paging')
  const titles = await page.locator('[data-test=wb-todos] .wb-todo').allTextContents()
  assert.equal(new Set(titles).size, titles.length, 'no to-do twice')
  for (let i = 1; i <= 120; i++) assert.ok(titles.some((x) => x.includes(`分页测试事项${String(i).padStart(3, '0')}`)), `draft ${i} is on the workbench`)
  await assertNoErrors(t, page)
})
