// Every list on a phone (issue 15): at 390×844 no list page scrolls sideways, neither the page nor its tables; each
// row is a card (CardTable: the desk columns' cells as a title and "label value" fields) whose title and fields are
// inside the screen. Each role's pages as that role sees them: the unit contact's, the office's, the administrator's.
// Screenshots: liaisons-phone, clues-phone, audit-phone.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, shot, assertNoErrors, PHONE, fitsThePhone } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

// each card of a list: a title with text and its fields, every one inside the screen (the main readable fields of
// the row, not only its first column)
const cardsFit = async (page, table) => {
  const cards = await page.$$eval(`[data-test=${table}] [data-test=card]`, (els) => els.filter((e) => e.offsetParent).map((e) => {
    const inside = (x) => { const b = x.getBoundingClientRect(); return b.left >= 0 && b.right <= window.innerWidth }
    const title = e.querySelector('[data-test=card-title]')
    const fields = [...e.querySelectorAll('.pc-f')]
    return { title: title?.textContent.trim(), titleInside: !!title && inside(title), fields: fields.length,
      fieldsInside: fields.every(inside), labels: fields.map((f) => f.querySelector('.pc-l').textContent) }
  }))
  const rows = await page.locator(`[data-test=${table}] .el-table__row`).count()
  assert.ok(rows > 0, `rows in ${table}`)
  assert.equal(cards.length, rows, `a card for each of the ${rows} rows of ${table}`)
  for (const c of cards) assert.ok(c.title && c.titleInside && c.fieldsInside, `${table}: ${JSON.stringify(c)}`)
  return cards
}

// visits each page as the role on a phone: the page and every table on it fit, each table of `tables` has rows and
// they are cards (label: a field's label on the first card); `empty`: tables the demo leaves empty for this role
// (their headers alone scrolled sideways)
const walk = async (t, user, pages) => {
  const page = await newPage(browser, server, PHONE)
  await loginOk(page, user)
  // a page each (one that scrolls sideways fails alone, the others are still measured)
  for (const { path, tables = [], label, name, empty = [] } of pages) {
    await t.test(path, async () => {
      await page.goto(path)
      for (const tb of tables) await page.locator(`[data-test=${tb}] .el-table__row`).first().waitFor()
      for (const tb of empty) await page.locator(`[data-test=${tb}] .el-table__empty-block`).waitFor()
      await page.waitForFunction(() => !document.querySelector('.main .el-loading-mask:not([style*="display: none"])'))
      await fitsThePhone(page)
      for (const tb of tables) {
        await fitsThePhone(page, tb, 'card-title')
        const cards = await cardsFit(page, tb)
        if (label) assert.ok(cards[0].labels.includes(label), `${path} ${tb}: ${label} on the card: ${JSON.stringify(cards[0])}`)
      }
      if (name) await shot(page, name)
    })
  }
  await assertNoErrors(t, page)
}

test('the unit contact\'s lists on a phone are cards that fit', async (t) => {
  await walk(t, 'gc_contact', [
    { path: '/liaisons', tables: ['liaisons-table'], label: '联络员', name: 'liaisons-phone' },
    { path: '/results', tables: ['res-table'], label: '状态' },
    { path: '/bulletins', tables: ['bul-table'] },
    { path: '/scorecards', empty: ['card-table'] },
    { path: '/warnings', empty: ['wn-units', 'wn-rows'] }
  ])
})

test('the office\'s lists on a phone are cards that fit', async (t) => {
  await walk(t, 'gc_office', [
    { path: '/inspections/plans', tables: ['plan-table'], label: '状态' },
    { path: '/inspections/reviews', tables: ['review-table'] },
    { path: '/inspections/inspectors', tables: ['roster-table'] },
    { path: '/clues', tables: ['clue-table'], name: 'clues-phone' },
    { path: '/surveys', tables: ['survey-table'] },
    { path: '/statistics', tables: ['st-periods', 'st-units'] },
    { path: '/burden', tables: ['bd-units', 'bd-issuers'] },
    { path: '/warnings', empty: ['wn-units', 'wn-rows'] },
    { path: '/periodic-reports', empty: ['pr-groups', 'pr-reports'] },
    { path: '/results', tables: ['res-table'] },
    { path: '/evaluations', tables: ['eval-table'] }
  ])
})

test('the administrator\'s lists on a phone are cards that fit', async (t) => {
  await walk(t, 'admin', [
    { path: '/admin/users', tables: ['user-table'], label: '所属单位' },
    { path: '/admin/audit', tables: ['audit-table'], name: 'audit-phone' },
    { path: '/admin/rules', tables: ['rules-table'] },
    { path: '/admin/webhooks', empty: ['webhook-table'] },
    { path: '/admin/units', tables: ['unit-children'] }
  ])
})
