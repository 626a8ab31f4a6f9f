// The embeddable chat widget: one IIFE script at dist/widget/widget.js that any host page
// can include with a plain <script> tag. It must not pull in Vue or the portal's styles.
import { defineConfig } from 'vite'

export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist/widget',
    emptyOutDir: true,
    lib: {
      entry: 'src/widget/main.js',
      name: 'ShuiwuWidget',
      formats: ['iife'],
      fileName: () => 'widget.js',
    },
  },
})
