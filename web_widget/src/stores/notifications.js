// 消息通知: the unread count on the bell, and the list behind it.
import { defineStore } from 'pinia'
import * as api from '@/api'

export const useNotificationsStore = defineStore('notifications', {
  state: () => ({
    items: [],
    unread: 0,
    loaded: false,
    loading: false,
    error: '',
    unavailable: false, // the server has no notifications yet (404): no bell count, no polling noise
  }),
  actions: {
    async refreshCount() {
      if (this.unavailable) return
      try {
        const unread = await api.listNotifications({ unread: true })
        this.unread = Array.isArray(unread) ? unread.length : 0
      } catch (e) {
        if (e.status === 404) this.unavailable = true
      }
    },
    async load() {
      this.loading = true
      this.error = ''
      try {
        this.items = await api.listNotifications()
        this.unread = this.items.filter((n) => !n.read_at).length
        this.loaded = true
        this.unavailable = false
      } catch (e) {
        this.error = e.status === 404 ? '消息通知功能即将开放' : e.message
      } finally {
        this.loading = false
      }
    },
    async markRead(item) {
      if (item.read_at) return
      await api.markNotificationRead(item.id)
      item.read_at = new Date().toISOString()
      this.unread = Math.max(0, this.unread - 1)
    },
    async markAllRead() {
      await api.markAllNotificationsRead()
      const now = new Date().toISOString()
      for (const n of this.items) if (!n.read_at) n.read_at = now
      this.unread = 0
    },
  },
})

export const NOTIFICATION_KIND = {
  new_login: { text: '登录提醒', type: 'warning' },
  login_new_place: { text: '登录提醒', type: 'warning' },
  refresh_reuse: { text: '账号安全', type: 'danger' },
  security: { text: '账号安全', type: 'danger' },
  password_changed: { text: '账号安全', type: 'danger' },
  binding: { text: '户号绑定', type: 'primary' },
  bill: { text: '账单', type: 'success' },
  ticket_status: { text: '报修进度', type: 'primary' },
  system: { text: '系统通知', type: 'info' },
}

export function notificationKind(kind) {
  if (NOTIFICATION_KIND[kind]) return NOTIFICATION_KIND[kind]
  const prefix = String(kind || '').split(/[._]/)[0]
  if (prefix === 'binding') return NOTIFICATION_KIND.binding
  if (prefix === 'bill') return NOTIFICATION_KIND.bill
  if (['login', 'security', 'password', 'session', 'contact', 'refresh', 'not'].includes(prefix)) return NOTIFICATION_KIND.security
  return NOTIFICATION_KIND.system
}
