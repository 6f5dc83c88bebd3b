import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

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
    // Element Plus per component (its documented on-demand import): each <el-…> of a template, and v-loading, brings
    // its own script and stylesheet, so that a page loads only the components the app uses, not the whole library
    // (1.07 MB of script and 368 KB of CSS before). Components and styles used from script (ElMessage, CardTable's
    // render function) are imported where they are used (src/main.js, src/components/CardTable.vue). No .d.ts:
    // the templates are not type-checked (npm run typecheck checks the API layer).
    plugins: [vue(), publicPages, Components({ dts: false, dirs: [], resolvers: [ElementPlusResolver({ importStyle: 'css', directives: true })] })],
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
          // Vue in a file of its own, which the browser keeps across releases of the app. Element Plus is left to
          // Rollup's chunks: a manual chunk of it brings the whole library in, used or not (1.07 MB of script)
          manualChunks(id) {
            if (/node_modules\/(@vue|vue|vue-router|vue-i18n|@intlify)\//.test(id)) return 'vue'
          },
        } : {},
      },
    },
    server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
  })
}

export default pageConfig('index')
