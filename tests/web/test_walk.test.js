// The everyday loop walked as each role on the demo data, and what a real user tripped on: a leader's to-do
// to press a late unit and the late unit's own to-do carry the day the unit is late since, in red (they showed
// the item's far due date, green); a long task (逾期待督办，请催办承办单位) wraps inside its tag on a phone
// instead of being cut off (seen once at 390 px); the rules page labels its preset picker and names every milestone of its table;
// the archive dialog says what archiving does and where the item is found afterwards.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { startServer, startBrowser, newPage, release, loginOk, loginTo, shot, apiAs, assertNoErrors, BIN } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

const todayBeijing = () => new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10)

// the user's to-dos of items (API), with their day and light
async function itemTodos(user) {
  const r = await (await apiAs(server, user))('GET', '/api/v1/todos?kind=item&limit=200')
  assert.equal(r.status, 200)
  return r.json.todos
}

test('a late unit is red on the leader\'s list and on its own, from the day it is late since', async (t) => {
  const leader = (await itemTodos('gc_leader')).filter((x) => x.task === 'ladder_press')
  assert.ok(leader.length >= 1, 'the demo has a unit the ladder pressed')
  for (const x of leader) {
    assert.ok(x.due_date < todayBeijing(), `the leader's to-do carries the overdue day: ${JSON.stringify(x)}`)
    assert.equal(x.light, 'red')
  }
  // the pressed unit's own to-do on the same item: the same day, red
  const pressed = new Set(leader.filter((x) => x.unit_name === '古城县交通运输局').map((x) => x.object_id))
  const own = (await itemTodos('gc_contact')).filter((x) => pressed.has(x.object_id))
  assert.ok(own.length >= 1, 'the pressed unit has its own to-do')
  for (const x of own) assert.equal(x.light, 'red', JSON.stringify(x))
  assert.ok([...leader, ...own].every((x) => x.number), 'registered items, each row found by its number')

  for (const [user, rows] of [['gc_leader', leader], ['gc_contact', own]]) {
    const page = await newPage(browser, server)
    await loginOk(page, user)
    const table = page.locator('[data-test=wb-todos]')
    for (const x of rows) {
      const row = table.locator('.wb-todo', { hasText: x.number }).filter({ hasText: x.title })
      const due = row.locator('[data-test=todo-due]')
      await due.waitFor()
      assert.match(await due.getAttribute('class'), /\blate\b/, `${user}: ${x.title} shows its day in red`)
      assert.equal(await due.evaluate((e) => getComputedStyle(e).color), 'rgb(192, 57, 43)')
    }
    await shot(page, `walk-${user}-late-red`)
    await assertNoErrors(t, page)
    await release(page)
  }
})

test('on a phone a long task wraps inside its tag, nothing of it cut off', async (t) => {
  // the principal leader's 逾期已报告主要领导，请督办 comes with the ladder's last step: days of scheduler passes on a
  // server of its own, its clock then moved there
  const own = await startServer(['--test-clock'])
  try {
    let day
    for (let n = 1; n <= 25; n++) {
      day = new Date(Date.now() + n * 86400000).toISOString().slice(0, 10)
      execFileSync(BIN, ['scan', '--db', own.db, '--now', `${day}T09:00:00+08:00`], { cwd: own.dir, stdio: 'pipe' })
    }
    const admin = await apiAs(own, 'admin')
    assert.equal((await admin('PUT', '/api/v1/admin/clock', { now: `${day}T09:00:00+08:00` })).status, 200)
    for (const [user, long, width] of [['gc_principal', '逾期已报告主要领导，请督办', 390], ['gc_principal', '逾期已报告主要领导，请督办', 360]]) {
      const page = await newPage(browser, own, { width, height: 844 })
      await loginOk(page, user)
      const tags = page.locator('[data-test=wb-todos] [data-test=wb-task]')
      await tags.first().waitFor()
      assert.ok(await tags.filter({ hasText: long }).count() >= 1, `${user} has the task ${long}`)
      for (const tag of await tags.all()) {
        const fit = await tag.evaluate((el) => {
          const content = el.querySelector('.el-tag__content') || el
          const card = el.closest('.card').getBoundingClientRect()
          const box = content.getBoundingClientRect()
          // the text's own box against the box that clips it (scrollWidth rounds a few pixels away)
          const range = document.createRange()
          range.selectNodeContents(content)
          const text = range.getBoundingClientRect()
          return { text: el.textContent, cut: text.right > box.right + 0.5 || text.bottom > box.bottom + 0.5, inside: el.getBoundingClientRect().right <= card.right + 1 }
        })
        assert.ok(!fit.cut && fit.inside, `${user} at ${width} px: ${JSON.stringify(fit)}`)
      }
      await shot(page, `walk-phone-long-task-${width}`)
      await assertNoErrors(t, page)
      await release(page)
    }
  } finally {
    await own.stop()
  }
})

test('the rules page labels its preset picker and names the handling report\'s milestone', async (t) => {
  const page = await newPage(browser, server)
  await loginTo(page, 'admin', '/admin/rules')
  const label = page.locator('label[for=rules-preset-pick]')
  await label.waitFor()
  assert.equal((await label.textContent()).trim(), '预设方案')
  assert.ok(await label.isVisible())
  const table = page.locator('[data-test=rules-table]')
  const row = table.locator('tr', { has: page.locator('[data-test=rule-wording]', { hasText: '办结后20日内' }) })
  await row.first().waitFor()
  const text = await row.first().innerText()
  assert.match(text, /办理情况报告/)
  assert.doesNotMatch(await table.innerText(), /handling_report|periodic_report|[a-z]+_[a-z]+/, 'no internal names in the table')
  await shot(page, 'walk-rules-admin')
  await assertNoErrors(t, page)
})

test('the archive dialog says the item becomes read-only and where to find it; it is there afterwards', async (t) => {
  const office = await apiAs(server, 'gc_office')
  const done = (await office('GET', '/api/v1/items?state=completed&per_page=50')).json.items
  assert.ok(done.length >= 1, 'the demo has a completed item')
  const item = done[0]
  const page = await newPage(browser, server)
  await loginTo(page, 'gc_office', `/items/${item.id}`)
  await page.click('[data-test=act-archive]')
  const what = page.locator('[data-test=action-archive-what]')
  await what.waitFor()
  const words = await what.textContent()
  assert.match(words, /只读/)
  assert.match(words, /督办台账的“已归档”/)
  await shot(page, 'walk-archive-dialog')
  const confirm = page.locator('[data-test=action-confirm]')
  if (await confirm.count()) await confirm.click()
  await page.click('[data-test=action-submit]')
  await page.locator('[data-test=item-state]', { hasText: '已归档' }).waitFor()
  // where the dialog said: the ledger's 已归档
  await page.goto('/items')
  await page.click('[data-test=count-archived]')
  await page.locator('[data-test=ledger-state]', { hasText: '已归档' }).first().waitFor()
  assert.ok(await page.getByText(item.title).first().isVisible(), 'the archived item is listed under 已归档')
  await assertNoErrors(t, page)
})
