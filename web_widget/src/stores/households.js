// The signed-in resident's households and which one the pages are showing.
import { defineStore } from 'pinia'
import * as api from '@/api'

const KEY = 'shuiwu.household'

export const useHouseholdsStore = defineStore('households', {
  state: () => ({
    items: [],
    selectedId: Number(sessionStorage.getItem(KEY)) || null,
    loaded: false,
    loading: false,
    error: null,
  }),
  getters: {
    selected: (s) => s.items.find((h) => h.id === s.selectedId) || s.items[0] || null,
  },
  actions: {
    async load({ force = false } = {}) {
      if (this.loaded && !force) return this.items
      this.loading = true
      this.error = null
      try {
        this.items = await api.listHouseholds()
        this.loaded = true
        if (!this.items.some((h) => h.id === this.selectedId)) this.select(this.items[0]?.id ?? null)
      } catch (e) {
        this.error = e
      } finally {
        this.loading = false
      }
      return this.items
    },
    select(id) {
      this.selectedId = id
      if (id) sessionStorage.setItem(KEY, String(id))
      else sessionStorage.removeItem(KEY)
    },
  },
})
