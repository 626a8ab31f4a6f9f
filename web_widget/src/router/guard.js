// Who may open which page. Pure, so it is tested without a browser.

/** Where a signed-in user lands: staff on the console, residents on 首页. */
export function homeFor(auth) {
  return auth.isStaff ? { name: 'console' } : { name: 'home' }
}

/**
 * true to let the navigation through, or the location to send the user to instead.
 * Routes are private unless `meta.public`; `meta.roles` limits a route to those roles.
 */
export function checkAccess(to, auth) {
  if (to.meta?.public) {
    if ((to.name === 'login' || to.meta.guestOnly) && auth.isAuthenticated) return homeFor(auth)
    return true
  }
  if (!auth.isAuthenticated) {
    return to.fullPath && to.fullPath !== '/'
      ? { name: 'login', query: { redirect: to.fullPath } }
      : { name: 'login' }
  }
  const roles = to.meta?.roles
  if (roles && !roles.includes(auth.role)) return { name: 'home' }
  return true
}

/** The `redirect` query of the login page, if it is a safe in-app path. */
export function safeRedirect(value) {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return null
  if (/^\/(login|register|forgot)(\/|\?|#|$)/.test(value)) return null
  return value
}
