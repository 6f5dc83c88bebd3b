// 综合分析: the overview page is one read of the counters the server keeps per unit (GET /api/v1/items/overview) and,
// for those the statistics are for, the year's statistics; never the ledger's pages (whose totals stop at a bound on a
// province and whose first 200 rows stood for "all overdue items" and "all completions"). Every number drawn is the
// API's: the cards, the state pie, the lights, the ranking of lead units by red items, the 12 months of completions,
// the sources, and the year month by month (completed, overdue, on-time rate).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, startBrowser, newPage, loginOk, loginTo, apiAs, assertNoErrors, shot, inDays } from './helper.js'

let server, browser
before(async () => { server = await startServer(); browser = await startBrowser() })
after(async () => { await browser?.close(); await server?.stop() })

// the API requests the page sends while it loads, and the numbers each chart draws once it has drawn them
async function openOverview(page) {
  const asked = []
  page.on('request', (r) => { const u = new URL(r.url()); if (u.pathname.startsWith('/api/')) asked.push(u.pathname + u.search) })
  await page.goto('/overview')
  // every read of the page answered and drawn (a chart's canvas exists before its numbers arrive, and the network
  // may be quiet for a moment on a busy machine while the page's code still loads)
  await page.locator('[data-test=overview][data-state=ready]').waitFor()
  await page.locator('[data-test=chart-state] canvas').waitFor()
  const series = async (name) => JSON.parse(await page.locator(`[data-test=chart-${name}]`).getAttribute('data-series'))
  const card = async (loc) => Number((await (typeof loc === 'string' ? page.locator(loc) : loc).locator('.num').textContent()).replace(/[^\d]/g, ''))
  return { asked, series, card }
}

const RUNNING = ['assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed']

test('the county office reads its overview from the kept counters: one read, every number the API\'s', async (t) => {
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_office')
  const api = await apiAs(server, 'gc_office')
  const ov = (await api('GET', '/api/v1/items/overview')).json
  const year = Number(inDays(0).slice(0, 4))
  const st = (await api('GET', `/api/v1/statistics?year=${year}`)).json
  const meta = (await api('GET', '/api/v1/items/meta')).json
  assert.ok(ov.all > 0 && Object.keys(ov.states).length > 1, 'the demo gives the county items in several states')

  const { asked, series, card } = await openOverview(page)
  await page.locator('[data-test=chart-stats] canvas').waitFor()
  assert.deepEqual(asked.filter((u) => u.startsWith('/api/v1/items/overview')), ['/api/v1/items/overview'], asked.join(' '))
  assert.deepEqual(asked.filter((u) => /^\/api\/v1\/items(\?|$)/.test(u)), [], 'no ledger page is read: ' + asked.join(' '))
  // the year by month: the totals alone (the units' rows are neither read nor sent); the chart's numbers are the
  // whole statistics' totals (below)
  assert.deepEqual(asked.filter((u) => u.startsWith('/api/v1/statistics')), [`/api/v1/statistics?year=${year}&units=false`])

  // the cards
  const cards = page.locator('.stat-card')
  assert.equal(await card(cards.nth(0)), ov.all)
  assert.equal(await card(cards.nth(1)), RUNNING.reduce((n, s) => n + (ov.states[s] || 0), 0))
  assert.equal(await card(cards.nth(2)), (ov.states.completed || 0) + (ov.states.archived || 0))
  assert.equal(await card(page.locator('[data-test=ov-red]')), ov.lights.red || 0)
  assert.equal(await card(cards.nth(4)), ov.lights.yellow || 0)
  assert.equal(await card(cards.nth(5)), ov.lights.green || 0)
  // the charts
  assert.deepEqual((await series('state'))[0].sort(), Object.values(ov.states).filter(Boolean).sort())
  assert.deepEqual(await series('lights'), [[ov.lights.red || 0, ov.lights.yellow || 0, ov.lights.green || 0]])
  assert.deepEqual(await series('source'), [meta.source_kinds.map((s) => ov.sources[s.name] || 0)])
  if (ov.lead_units_red.length) assert.deepEqual(await series('rank'), [ov.lead_units_red.map((u) => u.count)])
  const trend = (await series('trend'))[0]
  assert.equal(trend.length, 12)
  assert.equal(trend.reduce((a, b) => a + b, 0) <= Object.values(ov.done_by_month).reduce((a, b) => a + b, 0), true)
  assert.equal(trend[11], ov.done_by_month[inDays(0).slice(0, 7)] || 0, 'this month is the last point')
  assert.deepEqual(await series('stats'), [st.periods.map((p) => p.totals.completed), st.periods.map((p) => p.totals.overdue),
    st.periods.map((p) => p.totals.on_time_rate)])
  assert.match(await page.locator('[data-test=ov-stats] .ttl').textContent(), new RegExp(`${year}年.*古城县`))
  await shot(page, 'overview-counters')
  await page.locator('[data-test=ov-stats]').scrollIntoViewIfNeeded()
  await shot(page, 'overview-stats')
  await assertNoErrors(t, page)
})

test('a unit\'s contact sees the overview of its unit without the government\'s statistics', async (t) => {
  const page = await newPage(browser, server)
  await loginOk(page, 'gc_contact')
  const ov = (await (await apiAs(server, 'gc_contact'))('GET', '/api/v1/items/overview')).json
  const { asked, card } = await openOverview(page)
  assert.equal(await card(page.locator('.stat-card').nth(0)), ov.all)
  assert.deepEqual(asked.filter((u) => u.startsWith('/api/v1/statistics')), [], 'the statistics are not asked for')
  assert.equal(await page.locator('[data-test=ov-stats]').count(), 0)
  await assertNoErrors(t, page)
})

test('a user who asked the system for less motion gets none: no transitions, the charts drawn at once', async (t) => {
  const motion = async (reducedMotion) => {
    const context = await browser.newContext({ baseURL: server.url, locale: 'zh-CN', reducedMotion })
    const page = await context.newPage()
    await loginTo(page, 'gc_office', '/overview')
    await page.locator('[data-test=overview][data-state=ready]').waitFor()
    const charts = await page.locator('[data-test=chart-state]').getAttribute('data-motion')
    const menu = await page.locator('.el-menu-item').first().evaluate((e) => getComputedStyle(e).transitionDuration)
    await context.close()
    return { charts, menu }
  }
  const still = await motion('reduce')
  assert.equal(still.charts, 'none')
  assert.ok(still.menu.split(',').every((d) => parseFloat(d) < 0.001), still.menu)
  const moving = await motion('no-preference')
  assert.equal(moving.charts, 'animated')
  assert.ok(moving.menu.split(',').some((d) => parseFloat(d) >= 0.1), moving.menu)
})
