// The office drafts an admonition talk (约谈) on a phone (issue 12's walk at 390×844): the talk's fields, its time
// picked in the date-time picker, the item it rests on; submitted, it reaches the principal leader (a to-do on his
// workbench and a message), who approves it on his phone; the office issues it and the unit concerned, which did not
// see it before, reads it with its time and place. Nothing scrolls sideways, the picker's panel stays on the screen.
// Screenshots: talk-phone-new, talk-phone-picker.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, pick, apiAs, assertNoErrors, PHONE, fitsThePhone, inDays } from './helper.js'
import { startDraft, act, stateIs } from './results.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const ITEM = '县城公交站亭改造提升'

// every visible popper (a picker's panel, a select's list) inside the phone's screen
const onTheScreen = (page) => page.evaluate(() => [...document.querySelectorAll('.el-popper, .el-picker-panel')]
  .filter((e) => e.offsetParent !== null || getComputedStyle(e).position === 'fixed')
  .map((e) => { const b = e.getBoundingClientRect(); return { cls: e.className, left: b.left, right: b.right } })
  .filter((b) => b.right - b.left > 0 && (b.left < 0 || b.right > window.innerWidth)))

test('a talk drafted on a phone: the principal approves it, the unit reads it once issued', async (t) => {
  const title = '关于约谈县交通运输局分管负责人的决定（手机起草）'
  const office = await newPage(browser, server, PHONE)
  await loginOk(office, 'gc_office')
  await startDraft(office, 'talk', title, '县城公交站亭改造提升进度落后序时进度，研判预警提示存在逾期风险，拟约谈县交通运输局分管负责人。')
  await office.fill('[data-test=res-person]', '周明（县交通运输局副局长）')
  await office.fill('[data-test=res-talk-by]', '王建国（县长）')
  await office.fill('[data-test=res-talk-place]', '县政府第二会议室')
  await fitsThePhone(office)
  // the time: the picker opens on the screen; a day and a time picked in it
  const field = office.locator('.el-form-item', { hasText: '约谈时间' })
  await field.locator('input').click()
  const panel = office.locator('.el-picker-panel:visible')
  await panel.waitFor()
  await shot(office, 'talk-phone-picker')
  assert.deepEqual(await onTheScreen(office), [])
  await fitsThePhone(office)
  // the 10th of next month (the panel's next-month arrow), at 15:00 typed in the panel's time box
  const [y, m] = inDays(0).split('-').map(Number)
  const day = `${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-10`
  await panel.locator('.el-date-picker__header button.arrow-right').click()
  await panel.locator('.el-date-picker__header', { hasText: `${+day.slice(5, 7)} 月` }).waitFor()
  await panel.locator('td.available:not(.prev-month):not(.next-month)', { hasText: /^\s*10\s*$/ }).click()
  const time = panel.locator('.el-date-picker__editor-wrap input').nth(1)
  await time.fill('15:00')
  await time.press('Enter')
  assert.deepEqual(await onTheScreen(office), [])
  await shot(office, 'talk-phone-picker')
  await panel.locator('.el-picker-panel__footer button', { hasText: '确定' }).click()
  await panel.waitFor({ state: 'hidden' })
  assert.equal(await field.locator('input').inputValue(), `${day} 15:00`)
  await pick(office, office.locator('[data-test=res-items]'), '公交站亭', ITEM)
  await office.locator('.el-form-item__label', { hasText: '标题' }).click() // closes the list
  await fitsThePhone(office)
  await shot(office, 'talk-phone-new')
  await office.click('[data-test=res-save]')
  await office.waitForURL(/\/results\/\d+$/)
  const id = Number(office.url().split('/').pop())
  const asOffice = await apiAs(server, 'gc_office')
  const saved = (await asOffice('GET', `/api/v1/results/${id}`)).json
  assert.deepEqual([saved.kind, saved.talk.at, saved.talk.by, saved.talk.place, saved.person], ['talk', `${day} 15:00`, '王建国（县长）', '县政府第二会议室', '周明（县交通运输局副局长）'])
  await fitsThePhone(office)
  await act(office, 'submit')
  await stateIs(office, '待主要领导审批')
  await assertNoErrors(t, office)

  // the county head: a to-do on his workbench and a message; the bureau does not see the talk yet
  const asPrincipal = await apiAs(server, 'gc_principal')
  const [todo] = (await asPrincipal('GET', '/api/v1/todos?kind=result&limit=200')).json.todos.filter((x) => x.object_id === id)
  assert.equal(todo?.task, 'approve', JSON.stringify(todo))
  const asHead = await apiAs(server, 'gc_head')
  assert.equal((await asHead('GET', `/api/v1/results/${id}`)).status, 404)
  const principal = await newPage(browser, server, PHONE)
  await loginOk(principal, 'gc_principal')
  const card = principal.locator('[data-test=wb-todos] .wb-todo', { hasText: title })
  await card.waitFor()
  // the card says what the record is (约谈), not the workflow's word
  assert.equal(await card.locator('[data-test=wb-todo-what]').textContent(), '约谈')
  await principal.goto('/inbox')
  await principal.locator('[data-test=inbox-message]', { hasText: title }).waitFor()
  await principal.goto(todo.link)
  await principal.locator('[data-test=res-talk-at]').waitFor()
  await fitsThePhone(principal)
  await act(principal, 'approve')
  await stateIs(principal, '已批准待印发')
  await assertNoErrors(t, principal)

  // the office issues it; the bureau's head is told and reads it with its time and place
  await office.reload()
  await act(office, 'issue')
  await stateIs(office, '已印发')
  const head = await newPage(browser, server, PHONE)
  await loginTo(head, 'gc_head', '/inbox')
  const told = head.locator('[data-test=inbox-message]', { hasText: title }).first()
  await fitsThePhone(head)
  await told.locator('[data-test=inbox-open]').click()
  await head.waitForURL(new RegExp(`/results/${id}$`))
  const [, y2, m2, d2] = /^(\d{4})-(\d{2})-(\d{2})/.exec(day)
  await head.locator('[data-test=res-talk-at]', { hasText: `${y2}年${+m2}月${+d2}日 15:00` }).waitFor()
  await fitsThePhone(head)
  assert.equal(await head.locator('[data-test=res-actions] button').count(), 0, 'nothing for the unit to do')
  await assertNoErrors(t, head)
})
