import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Everything is bundled and served by `ducha serve` from web/dist: no CDN, no external fonts.
export default defineConfig({
  plugins: [vue()],
  base: '/',
  // vue-i18n: the Composition API only, messages compiled at run time without eval (the CSP allows none)
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_DROP_MESSAGE_COMPILER__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      output: {
        manualChunks: {
          vue: ['vue', 'vue-router', 'vue-i18n'],
          element: ['element-plus', '@element-plus/icons-vue'],
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
})
