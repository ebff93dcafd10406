import {z} from 'zod'
import {JobFailedError, TimeoutError} from '../errors.js'
import {doubling, until} from '../../poll.js'
import {ErrorItem, Links, resourceBase} from '../schemas.js'
import {Resource, type JobRef, seg} from './base.js'

export const JobState = z.enum(['PROCESSING', 'POLLING', 'COMPLETE', 'FAILED'])
export const Job = z.object({
  ...resourceBase,
  operation: z.string().nullable().optional(),
  state: JobState.or(z.string()),
  errors: z.array(ErrorItem).default([]),
  warnings: z.array(z.object({detail: z.string()})).default([]),
  links: Links.optional(),
})
export type Job = z.infer<typeof Job>

export interface WaitOptions {
  timeoutMs?: number
  signal?: AbortSignal
  /** Called with each job warning once. */
  onWarning?: (w: string) => void
}

export class Jobs extends Resource {
  get(guidOrLocation: string) {
    const path = guidOrLocation.includes('/') ? guidOrLocation : `/v3/jobs/${seg(guidOrLocation)}`
    return this.read(path, Job)
  }

  /**
   * Poll a job until COMPLETE or FAILED. Polls quickly at first (jobs such as app deletes usually
   * finish in well under a second), then settles at one request per second.
   */
  async wait(ref: JobRef | string, opts: WaitOptions = {}): Promise<Job> {
    const location = typeof ref === 'string' ? ref : ref.location
    const seen = new Set<string>()
    const read = async () => {
      const job = await this.get(location)
      for (const w of job.warnings) {
        if (!seen.has(w.detail)) {
          seen.add(w.detail)
          opts.onWarning?.(w.detail)
        }
      }
      return job
    }
    const final = (job: Job) => {
      if (job.state === 'FAILED') throw new JobFailedError({guid: job.guid, operation: job.operation ?? undefined, state: job.state, errors: job.errors})
      return job.state === 'COMPLETE'
    }
    return until(read, final, {
      clock: this.http.clock,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs ?? 10 * 60_000,
      interval: doubling(100, 1000),
      onTimeout: (job) => new TimeoutError(`Job ${job.operation ?? job.guid} did not finish in time (still ${job.state})`),
    })
  }
}
