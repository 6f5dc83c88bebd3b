// The message files and their use, read without a browser: every key the source asks for exists,
// zh-CN and English have the same keys (English also names what the server labels in Chinese),
// every message compiles, and no page carries its own words or language switch.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './helper.js'

const SRC = join(ROOT, 'web', 'src')
const zh = JSON.parse(readFileSync(join(SRC, 'locales', 'zh-CN.json'), 'utf8'))
const en = JSON.parse(readFileSync(join(SRC, 'locales', 'en.json'), 'utf8'))
// the groups whose Chinese labels the server gives (merged at run time: i18n.js mergeLabels from
// GET /api/v1/workflows and /api/v1/items/meta) or that a row of the API carries (the preferences'
// message kinds, the rule presets, timeline events)
const SERVER = ['source_kind', 'importance', 'kind', 'confidentiality', 'message_kind', 'preset', 'event', 'objectKind']
// the groups the server gives in both languages (GET /api/v1/workflows: label and label_en), in
// neither file; a gap shows as a missing key in the browser tests
const SERVER_ONLY = ['wf']

function flat(o, prefix = '', out = new Map()) {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object') flat(v, key, out)
    else out.set(key, v)
  }
  return out
}
const ZH = flat(zh), EN = flat(en)
const groupOf = (key) => key.split('.')[0]

function sources(dir = SRC, out = []) {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f)
    if (statSync(p).isDirectory()) { if (f !== 'locales') sources(p, out) } else if (/\.(vue|js)$/.test(f)) out.push(p)
  }
  return out
}
const files = sources().map((p) => ({ p: p.slice(SRC.length + 1), text: readFileSync(p, 'utf8') }))

test('zh-CN and English have the same keys; English names the server-labelled groups too', () => {
  for (const [k] of [...ZH, ...EN]) assert.ok(!SERVER_ONLY.includes(groupOf(k)), `${k}: the server gives these words`)
  const onlyZh = [...ZH.keys()].filter((k) => !EN.has(k))
  assert.deepEqual(onlyZh, [], 'keys without English')
  const onlyEn = [...EN.keys()].filter((k) => !ZH.has(k) && !SERVER.includes(groupOf(k)))
  assert.deepEqual(onlyEn, [], 'keys without Chinese')
  for (const [k, v] of [...ZH, ...EN]) assert.ok(typeof v === 'string' && v.length > 0 || k.endsWith('suggestEnd'), `${k} is empty`)
})

test('every message compiles (vue-i18n message syntax)', async () => {
  const { baseCompile } = await import(join(ROOT, 'web', 'node_modules', '@intlify', 'message-compiler', 'dist', 'message-compiler.mjs'))
  for (const [name, map] of [['zh-CN', ZH], ['en', EN]]) {
    for (const [k, v] of map) {
      const errors = []
      baseCompile(v, { onError: (e) => errors.push(e.message) })
      assert.deepEqual(errors, [], `${name} ${k}: ${v}`)
    }
  }
})

test('every key the source names exists in both languages', () => {
  const missing = []
  const has = (key) => SERVER_ONLY.includes(groupOf(key)) || ((ZH.has(key) || SERVER.includes(groupOf(key))) && EN.has(key))
  const prefixHas = (prefix) => SERVER_ONLY.includes(groupOf(prefix)) || [...EN.keys()].some((k) => k.startsWith(prefix))
  for (const { p, text } of files) {
    // $t('a.b'), t('a.b'), te('a.b'): literal keys
    for (const m of text.matchAll(/(?<![\w.])\$?te?\('([A-Za-z][\w-]*(?:\.[\w-]+)+)'/g)) if (!has(m[1])) missing.push(`${p}: ${m[1]}`)
    // $t('group.' + x) and t(`group.${x}`): the group exists
    for (const m of text.matchAll(/(?<![\w.])\$?te?\((?:'([\w.-]+\.)' \+|`([\w.-]+\.)\$\{)/g)) if (!prefixHas(m[1] || m[2])) missing.push(`${p}: ${m[1] || m[2]}*`)
    // label('group', 'name') and label('group', x): the group exists, and the literal name
    for (const m of text.matchAll(/\blabel\('([\w-]+)'(?:, '([\w-]+)')?/g)) {
      if (m[2] && !has(`${m[1]}.${m[2]}`)) missing.push(`${p}: ${m[1]}.${m[2]}`)
      if (!prefixHas(`${m[1]}.`)) missing.push(`${p}: ${m[1]}.*`)
    }
  }
  assert.deepEqual(missing, [])
})

test('no page has its own words or its own language switch', () => {
  const found = []
  for (const { p, text } of files) {
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/<!--[\s\S]*?-->/g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
    // the emblem 督 and the language menu's own names are not translated
    const cjk = code.replace(/>督</g, '').replace(/>中文</g, '').match(/[\u4e00-\u9fa5]+/g)
    if (cjk) found.push(`${p}: ${cjk.join(' ')}`)
    // the only language test: Element Plus's own locale (i18n-core.js, for the office app and the public pages)
    const checks = (code.match(/lang(?:\.value)? === 'en'/g) || []).length
    if (checks && !(p === 'i18n-core.js' && checks === 1)) found.push(`${p}: ${checks} × lang === 'en'`)
  }
  assert.deepEqual(found, [])
})

test('the app no longer probes which APIs exist, nor computes to-dos of its own', () => {
  const names = files.map((f) => f.p)
  assert.ok(!names.includes('features.js'), 'features.js is gone')
  assert.ok(!names.includes('todos.js'), 'todos.js is gone: the workbench reads GET /api/v1/todos')
  for (const { p, text } of files) assert.doesNotMatch(text, /features\b.*from|probeFeatures/, p)
})

test('an instant is shown on its Beijing day, never on the UTC day of its first ten characters', async () => {
  // 签收时间 read 2026年12月1日 for a receipt at 2026年12月2日 01:55, beside 登记时间 2026年12月2日 01:55
  const { makeDates } = await import(join(SRC, 'dates.js'))
  const { fmtDay } = makeDates((k, p) => (k === 'format.date' ? `${p.y}年${p.m}月${p.d}日` : k))
  assert.equal(fmtDay('2026-12-01T17:55:00Z'), '2026年12月2日')
  assert.equal(fmtDay('2026-12-01T15:59:59Z'), '2026年12月1日')
  assert.equal(fmtDay(null), '')
  // no page cuts an instant (…_at) down to its UTC day and shows that as a date
  const cut = files.filter((f) => /fmtDate\([^()]*_at\?*\.slice\(0, *10\)/.test(f.text)).map((f) => f.p)
  assert.deepEqual(cut, [], 'use fmtDay for the day of an instant')
})
