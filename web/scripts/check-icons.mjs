// The icons src uses (<IconName> in templates, 'IconName' in menus) are the icons src/icons.js registers: a name
// missing there would draw nothing, without an error, in the built app. Run by `npm run build`.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const src = new URL('../src/', import.meta.url).pathname
const files = readdirSync(src, { recursive: true }).filter((f) => /\.(vue|js)$/.test(f) && f !== 'icons.js').map((f) => join(src, f))
const used = new Set()
for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/\bIcon([A-Z][A-Za-z]+)\b/g)) used.add(m[1])
const block = /export \{([^}]*)\} from '@element-plus\/icons-vue'/.exec(readFileSync(join(src, 'icons.js'), 'utf8'))
const listed = new Set(block[1].split(/[\s,]+/).filter(Boolean))
const missing = [...used].filter((n) => !listed.has(n)).sort()
const unused = [...listed].filter((n) => !used.has(n)).sort()
if (missing.length) console.error('src/icons.js: used in src but not registered: ' + missing.map((n) => 'Icon' + n).join(', '))
if (unused.length) console.error('src/icons.js: registered but used nowhere in src: ' + unused.join(', '))
if (missing.length || unused.length) process.exit(1)
console.log(`icons: ${listed.size} registered, each used in src`)
