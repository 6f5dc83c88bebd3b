// Every list on a phone (issue 15): at 390×844 no list page scrolls sideways, neither the page nor its tables; each
// row is a card (CardTable: the desk columns' cells as a title and "label value" fields) whose title and fields are
// inside the screen. Each role's pages as that role sees them: the unit contact's, the office's, the administrator's.
// Screenshots: liaisons-phone, clues-phone, audit-phone.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, shot, assertNoErrors, PHONE, fitsThePhone, apiAs } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

// each card of a list: a title with text and its fields, every one inside the screen (the main readable fields of
// the row, not only its first column) and showing something (a label with nothing after it is left out)
const cardsFit = async (page, table) => {
  const cards = await page.$$eval(`[data-test=${table}] [data-test=card]`, (els) => els.filter((e) => e.offsetParent).map((e) => {
    const inside = (x) => { const b = x.getBoundingClientRect(); return b.left >= 0 && b.right <= window.innerWidth }
    const title = e.querySelector('[data-test=card-title]')
    const fields = [...e.querySelectorAll('.pc-f')]
    // a field shows something: words, or a button, link or picture (a field that shows nothing is left out, never a
    // bare label)
    const shows = (v) => !!v && (v.textContent.trim() !== '' || !!v.querySelector('button, a, img, svg, input'))
    return { title: title?.textContent.trim(), titleInside: !!title && inside(title), fields: fields.length,
      fieldsInside: fields.every(inside), labels: fields.map((f) => f.querySelector('.pc-l').textContent),
      bare: fields.filter((f) => !shows(f.querySelector('.pc-v'))).map((f) => f.querySelector('.pc-l').textContent) }
  }))
  const rows = await page.locator(`[data-test=${table}] .el-table__row`).count()
  assert.ok(rows > 0, `rows in ${table}`)
  assert.equal(cards.length, rows, `a card for each of the ${rows} rows of ${table}`)
  for (const c of cards) assert.ok(c.title && c.titleInside && c.fieldsInside && !c.bare.length, `${table}: ${JSON.stringify(c)}`)
  return cards
}

// visits each page as the role on a phone: the page and every table on it fit, each table of `tables` has rows and
// they are cards (label: a field's label on the first card); `empty`: tables the demo leaves empty for this role
// (their headers alone scrolled sideways)
const walk = async (t, user, pages) => {
  const page = await newPage(browser, server, PHONE)
  await loginOk(page, user)
  // a page each (one that scrolls sideways fails alone, the others are still measured)
  for (const { path, tables = [], label, name, empty = [], shown = [] } of pages) {
    await t.test(path, async () => {
      await page.goto(path)
      for (const tb of tables) await page.locator(`[data-test=${tb}] .el-table__row`).first().waitFor()
      for (const tb of empty) await page.locator(`[data-test=${tb}] .el-table__empty-block`).waitFor()
      for (const x of shown) await page.locator(`[data-test=${x}]`).waitFor()
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
    { path: '/scorecards', tables: ['card-table'] },
    { path: '/warnings', tables: ['wn-units', 'wn-rows'], name: 'warnings-phone' }
  ])
})

test('the office\'s lists on a phone are cards that fit', async (t) => {
  await walk(t, 'gc_office', [
    { path: '/inspections/plans', tables: ['plan-table'], label: '状态' },
    { path: '/inspections/reviews', tables: ['review-table'] },
    { path: '/inspections/inspectors', tables: ['roster-table'] },
    { path: '/clues', tables: ['clue-table'], name: 'clues-phone' },
    { path: '/contact-points', tables: ['cp-table'], label: '所在单位' },
    { path: '/surveys', tables: ['survey-table'] },
    { path: '/statistics', tables: ['st-periods', 'st-units'] },
    { path: '/burden', tables: ['bd-units', 'bd-issuers'] },
    { path: '/warnings', tables: ['wn-units', 'wn-rows'] },
    { path: '/periodic-reports', shown: ['pr-empty'] }, // nothing due in the demo's month: a notice in words, no tables
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
    { path: '/admin/outbox?state=pending', tables: ['outbox-table'], label: '渠道', name: 'outbox-phone' },
    { path: '/admin/units', tables: ['unit-children'] }
  ])
})

// Sorting on a phone (issue 12's walk): the desk's sortable columns of 统计's units table become a sort control
// above the cards, which starts at the desk's default sort (超期未办结, descending) and sorts the cards as the desk's
// column headers do; the server's own order is by unit. Screenshot: statistics-phone-sort.
test('the office sorts 统计\'s units on a phone as on the desk', async (t) => {
  const api = await apiAs(server, 'gc_office')
  const units = (await api('GET', '/api/v1/statistics')).json.units
  assert.ok(new Set(units.map((u) => u.registered)).size > 1, `the demo's units differ in 交办: ${JSON.stringify(units)}`)
  // the names in the order of a stable sort by key (ties keep the server's order)
  const sorted = (key, order) => units.map((u, i) => ({ u, i })).sort((a, b) =>
    (order === 'descending' ? b.u[key] - a.u[key] : a.u[key] - b.u[key]) || a.i - b.i).map((x) => x.u.name)
  const page = await newPage(browser, server, PHONE)
  await loginTo(page, 'gc_office', '/statistics')
  const ctl = page.locator('.card-table:has([data-test=st-units])')
  const names = () => page.$$eval('[data-test=st-units] [data-test=card-title]', (els) => els.map((e) => e.textContent.trim()))
  const shows = async (want, what) => {
    await page.waitForFunction((w) => JSON.stringify([...document.querySelectorAll('[data-test=st-units] [data-test=card-title]')]
      .map((e) => e.textContent.trim())) === w, JSON.stringify(want)).catch(() => {})
    assert.deepEqual(await names(), want, what)
  }
  await page.locator('[data-test=st-units] [data-test=card]').first().waitFor()
  assert.equal(await ctl.locator('[data-test=card-sort-by]').count(), 1, 'a sort control above the cards')
  await ctl.locator('[data-test=card-sort-by]', { hasText: '超期未办结' }).waitFor()
  assert.match(await ctl.locator('[data-test=card-sort-order]').textContent(), /降序/)
  await shows(sorted('overdue', 'descending'), 'the desk\'s default sort: 超期未办结, descending')

  await ctl.locator('[data-test=card-sort-by]').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: /^交办$/ }).click()
  await shows(sorted('registered', 'descending'), '交办, descending')
  await ctl.locator('[data-test=card-sort-order]').click()
  assert.match(await ctl.locator('[data-test=card-sort-order]').textContent(), /升序/)
  await shows(sorted('registered', 'ascending'), '交办, ascending')
  assert.notDeepEqual(sorted('registered', 'ascending'), sorted('registered', 'descending'))
  await fitsThePhone(page, 'st-units', 'card-title')
  await shot(page, 'statistics-phone-sort')

  // the desk keeps its column headers' sort and has no such control
  const desk = await newPage(browser, server)
  await loginTo(desk, 'gc_office', '/statistics')
  await desk.locator('[data-test=st-units] .el-table__row').first().waitFor()
  assert.equal(await desk.locator('[data-test=card-sort]').count(), 0)
  assert.ok(await desk.locator('[data-test=st-units] th.is-sortable').count() >= 5, 'the desk\'s sortable headers')
  await assertNoErrors(t, page)
  await assertNoErrors(t, desk)
})
