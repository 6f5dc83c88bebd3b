// mobile.js: whether the window is phone-sized (narrower than 768 px, the layout's breakpoint), kept up to date
// while the page is shown.
import { ref, computed, onBeforeUnmount } from 'vue'

export function useMobile() {
  const width = ref(window.innerWidth)
  const onResize = () => { width.value = window.innerWidth }
  window.addEventListener('resize', onResize)
  onBeforeUnmount(() => window.removeEventListener('resize', onResize))
  return computed(() => width.value < 768)
}
