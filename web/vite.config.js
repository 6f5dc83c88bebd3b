import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Everything is bundled and served by `ducha serve` from web/dist: no CDN, no external fonts.
// Two pages, built one after the other into the same dist (npm run build):
// - index.html, the office app (this file's default);
// - public.html, the public pages /p/… (src/public/main.js; vite.public.config.js), which the server
//   serves for every /p/ address. A build of its own, so that it shares no chunk with the office app:
//   a member of the public on a phone loads Vue and the pages' own code, words and stylesheet, nothing else.
const publicPages = {
  // the dev server does what `ducha serve` does: /p/… is the public page
  name: 'ducha-public-pages',
  configureServer(server) {
    server.middlewares.use((req, _res, next) => {
      if (/^\/p\/[^.]*$/.test((req.url || '').split('?')[0])) req.url = '/public.html'
      next()
    })
  },
}

export function pageConfig(page) {
  return defineConfig({
    plugins: [vue(), publicPages],
    base: '/',
    // vue-i18n: the Composition API only, messages compiled at run time without eval (the CSP allows none)
    // (the public pages use neither vue-i18n nor Vue's Options API: without it Vue is smaller)
    define: {
      ...(page === 'public' ? { __VUE_OPTIONS_API__: false } : {}),
      __VUE_I18N_FULL_INSTALL__: true,
      __VUE_I18N_LEGACY_API__: false,
      __INTLIFY_DROP_MESSAGE_COMPILER__: false,
      __INTLIFY_PROD_DEVTOOLS__: false,
    },
    build: {
      outDir: 'dist',
      // the office build comes first and empties dist; the public build adds its page
      emptyOutDir: page === 'index',
      chunkSizeWarningLimit: 2000,
      rollupOptions: {
        input: { [page]: `${page}.html` },
        output: page === 'index' ? {
          manualChunks: {
            vue: ['vue', 'vue-router', 'vue-i18n'],
            element: ['element-plus', '@element-plus/icons-vue'],
          },
        } : {},
      },
    },
    server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
  })
}

export default pageConfig('index')
