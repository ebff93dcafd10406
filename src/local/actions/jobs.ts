/**
 * Asynchronous jobs: a 202 with `Location: <api>/v3/jobs/<guid>`; the job is PROCESSING, runs its
 * work shortly after, and ends COMPLETE, or FAILED with the error envelope's entries.
 */
import {ApiError} from '../api/errors.js'
import type {Reply} from '../api/routes.js'
import type {Foundation} from '../kernel.js'
import type {JobRec} from '../state.js'

export function enqueueJob(f: Foundation, operation: string, resource: JobRec['resource'], work: (job: JobRec) => void | Promise<void>, body?: unknown): Reply {
  const job = f.store.jobs.insert(f.store.stamp<JobRec>({operation, state: 'PROCESSING', errors: [], warnings: [], resource}, f.now()))
  f.later(f.settings.asyncMs, async () => {
    try {
      await work(job)
      if (job.state === 'PROCESSING') job.state = 'COMPLETE'
    } catch (error) {
      job.state = 'FAILED'
      job.errors =
        error instanceof ApiError ? error.errors : [{code: 10001, title: 'UnknownError', detail: (error as Error).message || 'An unknown error occurred.'}]
    }
    job.updatedAt = f.now()
  })
  return {status: 202, body, headers: {location: `${f.settings.apiUrl}/v3/jobs/${job.guid}`}}
}
