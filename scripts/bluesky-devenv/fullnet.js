// Start a full local Bluesky network (in-memory PLC + PDS + bsky AppView + Ozone) for tests.
// Run from the install folder with:
//   node --require ./loopback.js fullnet.js
// Environment: DB_POSTGRES_URL (a database dropped and recreated before each start),
// REDIS_HOST (127.0.0.1:6379), PLC_PORT, PDS_PORT, BSKY_PORT, OZONE_PORT (free loopback ports).
// Prints one line `READY {json}` with the URLs when the network answers; stops on SIGTERM/SIGINT
// or when its standard input closes (the test process that started it has gone away).
'use strict'
const { TestNetwork } = require('@atproto/dev-env')

const port = (name, dflt) => parseInt(process.env[name] || String(dflt), 10)
const plcPort = port('PLC_PORT', 2582)
const pdsPort = port('PDS_PORT', 2583)
const bskyPort = port('BSKY_PORT', 2584)
const ozonePort = port('OZONE_PORT', 2587)

let network = null
let stopping = false
async function stop(code) {
  if (stopping) return
  stopping = true
  try {
    if (network) await network.close()
  } catch (err) {
    console.error('close failed:', err && err.message)
  }
  process.exit(code)
}
process.on('SIGTERM', () => stop(0))
process.on('SIGINT', () => stop(0))
if (process.env.WATCH_STDIN === '1') {
  process.stdin.on('end', () => stop(0))
  process.stdin.on('error', () => stop(0))
  process.stdin.resume()
}

TestNetwork.create({
  dbPostgresUrl: process.env.DB_POSTGRES_URL,
  dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA || 'dev',
  redisHost: process.env.REDIS_HOST,
  plc: { port: plcPort },
  pds: { port: pdsPort, hostname: 'localhost', enableDidDocWithSession: true },
  bsky: { port: bskyPort, publicUrl: `http://localhost:${bskyPort}` },
  ozone: { port: ozonePort, chatUrl: 'http://localhost:2590', chatDid: 'did:example:chat' },
})
  .then((n) => {
    network = n
    if (stopping) return
    console.log(
      'READY ' +
        JSON.stringify({
          plc: n.plc.url,
          pds: n.pds.url,
          bsky: n.bsky.url,
          ozone: n.ozone && n.ozone.url,
        }),
    )
  })
  .catch((err) => {
    console.error('FAILED to start the network:', (err && err.stack) || err)
    process.exit(1)
  })
