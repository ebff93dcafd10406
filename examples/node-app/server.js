// A tiny web app: answers with its own greeting and what Cloud Foundry told it (PORT,
// VCAP_APPLICATION, CF_INSTANCE_INDEX), and on SIGTERM finishes the requests in flight before it
// exits, as an app on Cloud Foundry should.
const http = require('node:http')

const GREETING = 'Hello from node-app v1'
const port = Number(process.env.PORT || 8080)
const vcap = JSON.parse(process.env.VCAP_APPLICATION || '{}')

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, {'content-type': 'text/plain'})
    return res.end('ok\n')
  }
  const body = JSON.stringify({
    greeting: GREETING,
    version: process.env.APP_VERSION || null,
    port,
    pid: process.pid,
    instance_index: process.env.CF_INSTANCE_INDEX ?? null,
    instance_guid: process.env.CF_INSTANCE_GUID ?? null,
    application_name: vcap.application_name ?? null,
    application_id: vcap.application_id ?? null,
    process_type: vcap.process_type ?? null,
    vcap_application_port: vcap.port ?? null,
  })
  res.writeHead(200, {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)})
  res.end(body)
})

server.listen(port, () => console.log(`node-app listening on ${port}`))

process.on('SIGTERM', () => {
  console.log('node-app: SIGTERM, finishing requests in flight')
  server.close(() => process.exit(0))
  server.closeIdleConnections()
})
