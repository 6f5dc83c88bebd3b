// pow.js: the public pages' challenge (src/core/pow.h): find the smallest decimal number n such that
// SHA-256(token + ":" + n) starts with `bits` zero bits. A plain SHA-256 in JavaScript, because
// crypto.subtle exists only on secure origins and is asynchronous per hash (far too slow for 65,536
// tries); 16 bits take a phone well under a second. No third-party service is asked.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])
const W = new Uint32Array(64)
const H = new Uint32Array(8)

let M = new Uint32Array(64)

// SHA-256 of an ASCII string as 8 words (the buffers are reused: one hash at a time).
export function sha256Words(s) {
  const n = s.length
  const blocks = (n + 9 + 63) >> 6
  if (M.length < blocks * 16) M = new Uint32Array(blocks * 16)
  const m = M
  m.fill(0, 0, blocks * 16)
  for (let i = 0; i < n; i++) m[i >> 2] |= (s.charCodeAt(i) & 0xff) << (24 - (i & 3) * 8)
  m[n >> 2] |= 0x80 << (24 - (n & 3) * 8)
  m[blocks * 16 - 1] = n * 8
  H[0] = 0x6a09e667; H[1] = 0xbb67ae85; H[2] = 0x3c6ef372; H[3] = 0xa54ff53a
  H[4] = 0x510e527f; H[5] = 0x9b05688c; H[6] = 0x1f83d9ab; H[7] = 0x5be0cd19
  for (let b = 0; b < blocks; b++) {
    for (let i = 0; i < 16; i++) W[i] = m[b * 16 + i]
    for (let i = 16; i < 64; i++) {
      const x = W[i - 15], y = W[i - 2]
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0
    }
    let a = H[0], bb = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7]
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0
    }
    H[0] += a; H[1] += bb; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h
  }
  return H
}

// Leading zero bits of SHA-256(token:n), counted over the first two words (bits ≤ 28 per the API).
function zeroBits(words) {
  if (words[0] !== 0) return Math.clz32(words[0])
  return 32 + Math.clz32(words[1])
}

// The solution of a challenge ({token, bits}): yields to the page every few thousand tries so that a
// spinner keeps turning. onProgress(tries) is called now and then.
export async function solve(ch, onProgress) {
  for (let n = 0; ; n++) {
    if (zeroBits(sha256Words(`${ch.token}:${n}`)) >= ch.bits) return String(n)
    if (n % 4096 === 4095) {
      onProgress?.(n + 1)
      await new Promise((r) => setTimeout(r, 0))
    }
  }
}
