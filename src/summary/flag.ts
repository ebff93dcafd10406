/** --summary FILE, on every command that changes an app (see src/summary). */
import {Flags} from '@oclif/core'

export const summaryFlags = {
  summary: Flags.string({
    description:
      'Write a Markdown summary of the run (steps and durations, the probe report, the apps of restage-all) to FILE. It is also appended to $GITHUB_STEP_SUMMARY when that is set.',
    helpValue: 'FILE',
  }),
}
