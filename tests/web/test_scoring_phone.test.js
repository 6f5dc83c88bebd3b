// A scorecard objection on a phone (考评异议, issue 12's walk at 390×844): the demo's scorecard of 古城县 is issued
// (through the API); the transport bureau's head opens it on his phone, objects to its largest deduction with a
// reason and evidence; the office opens the objection by its to-do's link on a phone and upholds it; the head
// sees the line upheld. At every page, drawer and dialog nothing scrolls sideways. Screenshot: objection-phone.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, assertNoErrors, PHONE, fitsThePhone } from './helper.js'
import { issuedDemoCard, objectionTodos } from './scorecards.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

test('a scorecard objection on a phone: the unit objects, the office decides by its to-do', async (t) => {
  const { asOffice, card, line } = await issuedDemoCard(server)

  const head = await newPage(browser, server, PHONE)
  await loginTo(head, 'gc_head', '/scorecards')
  await head.locator('[data-test=card-table] [data-test=card]').first().waitFor()
  await fitsThePhone(head, 'card-table', 'card-title')
  await head.goto(`/scorecards/${card.id}`)
  await head.locator('[data-test=card-objection-until]', { hasText: '异议期至' }).waitFor()
  const drawer = head.locator('[data-test=card-drawer]')
  await drawer.locator(`[data-test=line-raise-${line.id}]`).waitFor()
  await fitsThePhone(head)
  await drawer.locator(`[data-test=line-raise-${line.id}]`).click()
  const dlg = head.locator('[data-test=obj-raise-dialog]')
  await dlg.waitFor()
  await dlg.locator('[data-test=obj-reason]').fill('该事项已于期限前办结，系办结报告录入延误（手机测试）')
  await dlg.locator('[data-test=obj-evidence]').fill('办结报告签收单，县政府办公室签收')
  await fitsThePhone(head)
  await shot(head, 'objection-phone')
  await dlg.locator('[data-test=obj-send]').click()
  await dlg.waitFor({ state: 'hidden' })
  await drawer.locator(`[data-test=line-objection-${line.id}]`, { hasText: '待督查室处理' }).waitFor()
  await assertNoErrors(t, head)

  // the office: its to-do opens the objection; it upholds it
  const office = await newPage(browser, server, PHONE)
  await loginOk(office, 'gc_office')
  const todos = await objectionTodos(asOffice, card.id)
  assert.equal(todos.length, 1, JSON.stringify(todos))
  const oid = todos[0].object_id
  await office.goto(todos[0].link) // the to-do's link (the office's workbench pages through many to-dos)
  await office.locator(`[data-test=obj-uphold-${oid}]`).waitFor()
  await fitsThePhone(office)
  await office.click(`[data-test=obj-uphold-${oid}]`)
  const od = office.locator('[data-test=obj-dialog]')
  await od.waitFor()
  await od.locator('[data-test=obj-decision]').fill('经核实该事项已按期办结，取消该项扣分')
  await fitsThePhone(office)
  await od.locator('[data-test=obj-submit]').click()
  await od.waitFor({ state: 'hidden' })
  await office.locator(`[data-test=obj-state-${oid}]`, { hasText: '异议成立' }).waitFor()
  // the card's ranking chart on a phone: the bars across, a line for each unit's name down the side (twenty names
  // slanted under 390 px ran into each other) — as tall as 22 px a unit at least, and it fits
  const shown = Math.min(20, (await asOffice('GET', `/api/v1/scorecards/${card.id}`)).json.units.length)
  await office.goto(`/scorecards/${card.id}`)
  const chart = office.locator('[data-test=card-chart]')
  await chart.locator('canvas').waitFor()
  const box = await chart.boundingBox()
  assert.ok(shown > 10 && box.height >= shown * 22, `${shown} units in ${JSON.stringify(box)}`)
  await fitsThePhone(office)
  await shot(office, 'scorecard-chart-phone')
  await assertNoErrors(t, office)

  await head.reload()
  await drawer.locator(`[data-test=line-objection-${line.id}]`, { hasText: '异议成立' }).waitFor()
  await fitsThePhone(head)
  await assertNoErrors(t, head)
})
