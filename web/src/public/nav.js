// nav.js: the public pages' addresses without a router: /p/clue (and any other /p/ address), /p/track,
// /p/survey/<key>, /public/bulletins and /public/bulletins/<id>. A link within them changes the address and the page in place (history.pushState); the
// browser's back button follows (popstate).
import { ref } from 'vue'

export const path = ref(location.pathname)

export function go(to) {
  history.pushState(null, '', to)
  path.value = to
  window.scrollTo(0, 0)
}

window.addEventListener('popstate', () => { path.value = location.pathname })

// the page of an address: its component's name, its title's key and the survey's key
export function pageOf(p) {
  const m = /^\/p\/survey\/([^/]+)$/.exec(p)
  if (m) return { name: 'survey', title: 'menu.pub-survey', key: decodeURIComponent(m[1]) }
  if (p === '/p/track') return { name: 'track', title: 'menu.pub-track' }
  const b = /^\/public\/bulletins(?:\/(\d+))?$/.exec(p)
  if (b) return { name: 'bulletins', title: 'menu.public-bulletins', id: b[1] || '' }
  return { name: 'clue', title: 'menu.pub-clue' }
}
