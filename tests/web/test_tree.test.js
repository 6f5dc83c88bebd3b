// `make run` and `make test` must leave a fresh clone's tracked files as they were. The two npm
// projects install with `npm ci`, which never writes the lock file; and each committed lock file is
// the one npm writes on this machine, so that even `npm install` would not change it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, copyFileSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './helper.js'

for (const dir of ['web', 'tests/web']) {
  test(`${dir}/package-lock.json is the lock npm writes here`, () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ducha-lock-'))
    try {
      for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, dir, f), join(tmp, f))
      execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: tmp, stdio: 'pipe', timeout: 300000 })
      const want = readFileSync(join(ROOT, dir, 'package-lock.json'), 'utf8')
      assert.ok(readFileSync(join(tmp, 'package-lock.json'), 'utf8') === want,
        `npm rewrites ${dir}/package-lock.json: run \`npm install\` in ${dir} and commit the lock it writes`)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })
}

test('the Makefile installs the npm projects with npm ci only', () => {
  const mk = readFileSync(join(ROOT, 'Makefile'), 'utf8')
  assert.doesNotMatch(mk, /npm (install|i)\b/, 'npm install may rewrite a lock file')
  assert.match(mk, /npm ci\b/)
})

test("README's screenshots exist, and every screenshot is shown somewhere", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const web = readFileSync(join(ROOT, 'docs', 'web.md'), 'utf8')
  const linked = [...readme.matchAll(/\(docs\/screenshots\/([\w-]+\.png)\)/g)].map((m) => m[1])
  assert.ok(linked.length >= 14)
  const files = readdirSync(join(ROOT, 'docs', 'screenshots'))
  for (const f of linked) assert.ok(files.includes(f), `README links docs/screenshots/${f}, which does not exist`)
  for (const f of files) assert.ok(linked.includes(f) || web.includes(f), `docs/screenshots/${f} is shown nowhere`)
})
