// Writes FILE.gz beside each script, stylesheet, page and SVG of dist (gzip level 9), which `ducha serve` sends to
// a browser that takes gzip (src/http/server.c, serve_static): compressed once at build time, never per request.
// A file that gzip does not shrink by a tenth is left alone. Run by `npm run build` after both builds.
import { readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const dist = new URL('../dist/', import.meta.url).pathname
let n = 0, before = 0, after = 0
for (const f of readdirSync(dist, { recursive: true }).map((f) => join(dist, f))) {
  if (f.endsWith('.gz')) {
    rmSync(f) // of an earlier build
    continue
  }
  if (!/\.(js|css|html|svg|json|txt)$/.test(f)) continue
  const body = readFileSync(f)
  const gz = gzipSync(body, { level: 9 })
  if (gz.length > body.length * 0.9) continue
  writeFileSync(f + '.gz', gz)
  n++, before += body.length, after += gz.length
}
console.log(`precompress: ${n} files, ${before} bytes, ${after} gzipped`)
