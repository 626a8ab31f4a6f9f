// The embeddable chat widget: one IIFE script at dist/widget/widget.js that any host page
// can include with a plain <script> tag: plain DOM in a shadow root, no Vue, no host styles.
// ECharts goes to a second script, dist/widget/charts.js, loaded only when a chart arrives.
import { build, defineConfig } from 'vite'

const chartsBundle = {
  name: 'shuiwu-widget-charts',
  apply: 'build',
  async closeBundle() {
    await build({
      configFile: false,
      publicDir: false,
      logLevel: 'warn',
      build: {
        outDir: 'dist/widget',
        emptyOutDir: false,
        lib: { entry: 'src/widget/charts-entry.js', name: 'ShuiwuChatChartsBundle', formats: ['iife'], fileName: () => 'charts.js' },
      },
    })
  },
}

export default defineConfig({
  publicDir: false,
  define: { __SHUIWU_WIDGET_SCRIPT__: 'true' },
  plugins: [chartsBundle],
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
