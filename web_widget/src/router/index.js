import { createRouter, createWebHistory } from 'vue-router'
import { checkAccess } from './guard'
import { useAuthStore } from '@/stores/auth'
import PortalLayout from '@/layouts/PortalLayout.vue'

const STAFF = ['staff', 'admin']
const ADMIN = ['admin']

// Pages for visitors: `guestOnly` ones send a signed-in user on to their start page.
const guest = (path, name, title, component, extra = {}) => ({
  path,
  name,
  component,
  meta: { public: true, guestOnly: true, title, ...extra },
})

export const routes = [
  guest('/login', 'login', '登录', () => import('@/views/LoginView.vue')),
  guest('/register', 'register', '注册', () => import('@/views/RegisterView.vue')),
  guest('/forgot', 'forgot', '找回密码', () => import('@/views/ForgotView.vue')),
  // Links from an email or an alert: they work signed in or not.
  {
    path: '/verify',
    name: 'verify',
    component: () => import('@/views/VerifyView.vue'),
    meta: { public: true, title: '验证邮箱' },
  },
  {
    path: '/not-me',
    name: 'not-me',
    component: () => import('@/views/NotMeView.vue'),
    meta: { public: true, title: '账号安全' },
  },
  {
    path: '/',
    component: PortalLayout,
    children: [
      { path: '', name: 'home', component: () => import('@/views/HomeView.vue'), meta: { title: '首页' } },
      { path: 'bills', name: 'bills', component: () => import('@/views/BillsView.vue'), meta: { title: '账单' } },
      { path: 'bind', name: 'bind', component: () => import('@/views/BindView.vue'), meta: { title: '绑定户号' } },
      {
        path: 'settings',
        name: 'settings',
        component: () => import('@/views/SettingsView.vue'),
        meta: { title: '设置' },
      },
      {
        path: 'notifications',
        name: 'notifications',
        component: () => import('@/views/NotificationsView.vue'),
        meta: { title: '消息通知' },
      },
      {
        path: 'console',
        name: 'console',
        component: () => import('@/views/ConsoleView.vue'),
        meta: { title: '工作台', roles: STAFF },
      },
      {
        path: 'console/bindings',
        name: 'console-bindings',
        component: () => import('@/views/console/BindingsView.vue'),
        meta: { title: '绑定审核', roles: STAFF },
      },
      {
        path: 'console/users',
        name: 'console-users',
        component: () => import('@/views/console/UsersView.vue'),
        meta: { title: '用户管理', roles: ADMIN },
      },
      {
        path: 'console/outbox',
        name: 'console-outbox',
        component: () => import('@/views/console/OutboxView.vue'),
        meta: { title: '发件箱（开发）', roles: ADMIN },
      },
      {
        path: 'console/knowledge',
        name: 'console-knowledge',
        component: () => import('@/views/console/KnowledgeView.vue'),
        meta: { title: '知识库', roles: STAFF },
      },
      {
        path: 'console/readings',
        name: 'console-readings',
        component: () => import('@/views/console/ReadingReviewView.vue'),
        meta: { title: '抄表审核', roles: STAFF },
      },
      {
        path: 'console/tickets',
        name: 'console-tickets',
        component: () => import('@/views/console/TicketsView.vue'),
        meta: { title: '报修工单', roles: STAFF },
      },
      {
        path: 'console/chats',
        name: 'console-chats',
        component: () => import('@/views/console/ChatsView.vue'),
        meta: { title: '人工客服', roles: STAFF },
      },
      { path: 'faq', name: 'faq', component: () => import('@/views/FaqView.vue'), meta: { title: '常见问题' } },
      {
        path: 'forecast',
        name: 'forecast',
        component: () => import('@/views/ForecastView.vue'),
        meta: { title: '用水预测' },
      },
      {
        path: 'repairs',
        name: 'repairs',
        component: () => import('@/views/RepairsView.vue'),
        meta: { title: '报修' },
      },
      {
        path: ':rest(.*)*',
        name: 'not-found',
        component: () => import('@/views/NotFoundView.vue'),
        meta: { title: '页面不存在' },
      },
    ],
  },
]

export function createAppRouter(history = createWebHistory()) {
  const router = createRouter({
    history,
    routes,
    scrollBehavior: () => ({ top: 0 }),
  })
  router.beforeEach(async (to) => {
    const auth = useAuthStore()
    // No token in this tab: a remembered session may still be in the refresh cookie (once per load).
    if (!auth.isAuthenticated && (!to.meta?.public || to.meta?.guestOnly)) await auth.restore()
    return checkAccess(to, auth)
  })
  router.afterEach((to) => {
    const title = to.meta?.title
    document.title = title ? `${title} - 智慧水务服务平台` : '智慧水务服务平台'
  })
  return router
}
