import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import element from './plugins/element'
import { createAppRouter } from './router'
import { connectSession } from './session'
import './styles/base.css'

const app = createApp(App)
const pinia = createPinia()
const router = createAppRouter()
app.use(pinia)
connectSession(pinia, router)
app.use(router)
app.use(element)
app.mount('#app')
