import { createRouter, createWebHistory } from 'vue-router'
import { checkAccess } from './guard'
import { useAuthStore } from '@/stores/auth'
import PortalLayout from '@/layouts/PortalLayout.vue'

const STAFF = ['staff', 'admin']

export const routes = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/LoginView.vue'),
    meta: { public: true, title: '登录' },
  },
  {
    path: '/',
    component: PortalLayout,
    children: [
      { path: '', name: 'home', component: () => import('@/views/HomeView.vue'), meta: { title: '首页' } },
      { path: 'bills', name: 'bills', component: () => import('@/views/BillsView.vue'), meta: { title: '账单' } },
      {
        path: 'console',
        name: 'console',
        component: () => import('@/views/ConsoleView.vue'),
        meta: { title: '工作台', roles: STAFF },
      },
      // Pages later issues fill in; until then they say so.
      ...[
        ['repairs', '报修'],
        ['faq', '常见问题'],
        ['forecast', '用水预测'],
        ['settings', '设置'],
      ].map(([path, title]) => ({
        path,
        name: path,
        component: () => import('@/views/ComingSoonView.vue'),
        meta: { title, comingSoon: true },
      })),
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
  router.beforeEach((to) => checkAccess(to, useAuthStore()))
  router.afterEach((to) => {
    const title = to.meta?.title
    document.title = title ? `${title} - 智慧水务服务平台` : '智慧水务服务平台'
  })
  return router
}
