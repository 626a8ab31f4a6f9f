// The embeddable chat widget: one IIFE script at dist/widget/widget.js that any host page
// can include with a plain <script> tag: plain DOM in a shadow root, no Vue, no host styles.
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
