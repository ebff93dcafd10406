/**
 * Writes that are safe to repeat. Cloud Controller has no idempotency keys, so after a failure
 * that may have reached it (a reset connection, a timeout, a 5xx other than 503) each of these
 * re-reads the live state before it sends the write again: what was made is adopted, what was
 * not is made. See createOnce in src/capi/reconcile.ts for the plain case.
 */
import type {CapiClient} from '../capi/client.js'
import {CapiUnprocessable, JobFailedError, TimeoutError, isAmbiguous} from '../capi/errors.js'
import {createOnce} from '../capi/reconcile.js'
import type {BindingCreate} from '../capi/resources/service-credential-bindings.js'
import type {Sidecar} from '../capi/resources/sidecars.js'
import type {WaitOptions} from '../capi/resources/jobs.js'
import {DeploymentStatusReason} from '../capi/resources/deployments.js'
import type {Clock} from '../clock.js'

/**
 * Bind an app to a service instance once. A managed instance's binding is asynchronous (202 and a
 * job); after an ambiguous answer the app's bindings are re-read: one to that instance that is
 * being created is waited for, one that was created is adopted, and only when there is none (or
 * its create failed, which Cloud Controller replaces) is the POST sent again.
 */
export async function bindOnce(
  capi: CapiClient,
  body: BindingCreate & {relationships: {app: {data: {guid: string}}}},
  o: WaitOptions & {clock: Clock; timeoutMs: number},
): Promise<void> {
  const app = body.relationships.app.data.guid
  const instance = body.relationships.service_instance.data.guid
  await createOnce(
    async () => {
      const res = await capi.bindings.create(body)
      if (res.job) await capi.jobs.wait(res.job, o)
      return true
    },
    async () => {
      const found = (await capi.bindings.forApp(app)).find((b) => b.relationships.service_instance.data.guid === instance)
      if (!found || found.last_operation?.state === 'failed') return undefined
      await waitForBinding(capi, found.guid, o)
      return true
    },
  )
}

/** Create a sidecar on an app once: after an ambiguous answer, one of that name is adopted. */
export function createSidecarOnce(capi: CapiClient, appGuid: string, body: Parameters<CapiClient['sidecars']['create']>[1]): Promise<Sidecar> {
  return createOnce(
    () => capi.sidecars.create(appGuid, body),
    async () => (await capi.sidecars.forApp(appGuid)).find((s) => s.name === body.name),
  )
}

/**
 * Apply a manifest and wait for its job. Cloud Controller lists no jobs, so the job of an apply
 * whose answer was lost cannot be found; but applying a manifest converges (the same manifest twice
 * leaves the same state), so the live state is brought about by applying it again. The lost apply's
 * job may still be running beside the repeat and make it fail (both creating one route, say): then,
 * once that one has failed, it is applied once more.
 */
export async function applyManifestOnce(capi: CapiClient, spaceGuid: string, yaml: string, o: WaitOptions & {clock: Clock}, attempts = 3): Promise<void> {
  let lost = false
  for (let i = 1; ; i++) {
    let job
    try {
      job = await capi.manifests.apply(spaceGuid, yaml)
    } catch (error) {
      if (!isAmbiguous(error) || i >= attempts) throw error
      lost = true
      await o.clock.sleep(capi.http.backoff(i - 1), o.signal)
      continue
    }
    try {
      await capi.jobs.wait(job, o)
      return
    } catch (error) {
      if (!lost || !(error instanceof JobFailedError) || i >= attempts) throw error
      lost = false
    }
  }
}

/**
 * Cancel a deployment. Cancel may be repeated while the deployment is active (CANCELING included),
 * but a repeat after the first one finished it gets a 422: then the deployment is re-read, and a
 * deployment that is canceling or canceled is what was asked for.
 */
export async function cancelOnce(capi: CapiClient, guid: string): Promise<void> {
  try {
    await capi.deployments.cancel(guid)
  } catch (error) {
    if (!(error instanceof CapiUnprocessable)) throw error
    const d = await capi.deployments.get(guid)
    if (d.status.reason === DeploymentStatusReason.CANCELING || d.status.reason === DeploymentStatusReason.CANCELED) return
    throw error
  }
}

/** Wait until a binding's create has finished; a failed create is a JobFailedError like the job's. */
async function waitForBinding(capi: CapiClient, guid: string, o: WaitOptions & {clock: Clock; timeoutMs: number}): Promise<void> {
  const end = o.clock.now() + o.timeoutMs
  for (;;) {
    const b = await capi.bindings.get(guid)
    const op = b.last_operation
    if (!op || op.state === 'succeeded') return
    if (op.state === 'failed') {
      throw new JobFailedError({
        guid,
        operation: 'service_bindings.create',
        state: 'FAILED',
        errors: [{code: 0, title: 'CF-ServiceBindingFailed', detail: op.description ?? 'the binding failed'}],
      })
    }
    if (o.clock.now() >= end) throw new TimeoutError(`The binding ${guid} was not created in time (still ${op.state})`)
    await o.clock.sleep(1000, o.signal)
  }
}
