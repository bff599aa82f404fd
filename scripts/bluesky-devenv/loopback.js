// Preloaded with `node --require ./loopback.js`: every server that listens without a host
// (the PDS calls app.listen(port)) binds 127.0.0.1 instead of all interfaces.
'use strict'
const net = require('net')
const orig = net.Server.prototype.listen
net.Server.prototype.listen = function (...a) {
  if (typeof a[0] === 'number' || (typeof a[0] === 'string' && /^\d+$/.test(a[0]))) {
    if (typeof a[1] !== 'string') a.splice(1, 0, '127.0.0.1')
  } else if (a[0] && typeof a[0] === 'object' && !a[0].path && !a[0].host && !a[0].fd && !a[0]._handle) {
    a[0] = { ...a[0], host: '127.0.0.1' }
  } else if (a.length === 0 || typeof a[0] === 'function') {
    a.unshift(0, '127.0.0.1')
  }
  return orig.apply(this, a)
}
