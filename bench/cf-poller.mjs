#!/usr/bin/env node
/**
 * The baseline for the completion-lag figure: `cf restart APP --strategy rolling` as the cf CLI
 * does it (cloudfoundry/cli: command/v7/shared/app_stager.go and PollStartForDeployment in
 * actor/v7action/application.go): look the app up, its newest
 * package and that package's STAGED droplet, create the deployment, then poll on a fixed 3 s
 * interval (the first poll after 1 ms): GET the deployment until FINALIZED/DEPLOYED, then in the
 * same round the app's processes and each one's stats, until every process is stable (no
 * instances, or one RUNNING). Then the summary's active-deployment lookup, and exit.
 *
 * With RESTAGE=1, `cf restage APP --strategy rolling` (anchors A2-A4; restage_command.go,
 * shared/app_stager.go's StageApp, and in actor/v7action logging.go and build.go's StagePackage):
 * the newest READY package; the app looked up again for its log stream, and again by StagePackage
 * with the package (`GET /v3/packages?guids=`); `POST /v3/builds`; the build read after 1 ms and
 * then every 3 s until it is no longer STAGING; then the deployment with the new droplet, polled
 * as above. (The log stream itself goes to log-cache, not to the API.)
 *
 * Plain Node (global fetch), no dependencies. Environment: CF_API, CF_TOKEN ("bearer ..."),
 * CF_SPACE_GUID, APP, MAX_IN_FLIGHT (optional), POLL_MS (default 3000), RESTAGE (optional).
 */
const api = process.env.CF_API
const token = process.env.CF_TOKEN
const pollMs = Number(process.env.POLL_MS ?? 3000)

async function call(method, path, body) {
  const init = {
    method,
    headers: {authorization: token, accept: 'application/json', ...(body ? {'content-type': 'application/json'} : {})},
    body: body ? JSON.stringify(body) : undefined,
  }
  let res
  try {
    res = await fetch(api + path, init)
  } catch (error) {
    // A kept-alive connection the server closed as it was reused: Go's http.Transport (the cf
    // CLI's) retries an idempotent request once on a fresh connection, so do the same for GET.
    if (method !== 'GET') throw error
    res = await fetch(api + path, init)
  }
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : undefined
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const apps = await call('GET', `/v3/apps?names=${encodeURIComponent(process.env.APP)}&space_guids=${process.env.CF_SPACE_GUID}`)
const app = apps.resources[0]
if (!app) throw new Error(`App ${process.env.APP} not found`)
let droplet
if (process.env.RESTAGE === '1') {
  const ready = await call('GET', `/v3/packages?app_guids=${app.guid}&states=READY&order_by=-created_at&per_page=1&page=1`)
  if (!ready.resources[0]) throw new Error(`App ${process.env.APP} has no READY package`)
  const byName = `/v3/apps?names=${encodeURIComponent(process.env.APP)}&space_guids=${process.env.CF_SPACE_GUID}`
  await call('GET', byName) // StageApp: the log stream's app lookup
  await call('GET', byName) // StagePackage: the app again
  await call('GET', `/v3/packages?guids=${ready.resources[0].guid}&app_guids=${app.guid}&per_page=1&page=1`)
  let build = await call('POST', '/v3/builds', {package: {guid: ready.resources[0].guid}})
  for (let first = true; ; first = false) {
    await sleep(first ? 1 : pollMs)
    build = await call('GET', `/v3/builds/${build.guid}`)
    if (build.state === 'FAILED') throw new Error(`Staging failed: ${build.error}`)
    if (build.state !== 'STAGING') break
  }
  droplet = build.droplet.guid
} else {
  const pkgs = await call('GET', `/v3/packages?app_guids=${app.guid}&order_by=-created_at&per_page=1&page=1`)
  await call('GET', `/v3/packages/${pkgs.resources[0].guid}/droplets?states=STAGED&per_page=1&page=1`)
}
const maxInFlight = process.env.MAX_IN_FLIGHT ? Number(process.env.MAX_IN_FLIGHT) : undefined
const deployment = await call('POST', '/v3/deployments', {
  ...(droplet ? {droplet: {guid: droplet}} : {}),
  ...(maxInFlight ? {options: {max_in_flight: maxInFlight}} : {}),
  strategy: 'rolling',
  relationships: {app: {data: {guid: app.guid}}},
})

let processed = false
for (let first = true; ; first = false) {
  await sleep(first ? 1 : pollMs)
  if (!processed) {
    const d = await call('GET', `/v3/deployments/${deployment.guid}`)
    if (d.status.value === 'FINALIZED' && d.status.reason === 'CANCELED') throw new Error('Deployment has been canceled')
    if (d.status.value === 'FINALIZED' && d.status.reason === 'SUPERSEDED') throw new Error('Deployment has been superseded')
    processed = d.status.value === 'FINALIZED' && d.status.reason === 'DEPLOYED'
    if (!processed) continue
  }
  const processes = await call('GET', `/v3/apps/${app.guid}/processes`)
  let stable = true
  for (const p of processes.resources) {
    const stats = await call('GET', `/v3/processes/${p.guid}/stats`)
    if (p.instances > 0 && !stats.resources.some((s) => s.state === 'RUNNING')) stable = false
  }
  if (stable) break
}
await call('GET', `/v3/deployments?app_guids=${app.guid}&status_values=ACTIVE&order_by=-created_at&per_page=1&page=1`)
