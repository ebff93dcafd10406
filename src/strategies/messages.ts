/**
 * What the strategies tell the user, in one place: refusals, warnings, what is left behind, and the
 * errors that report a failure and its recovery. Functions here take facts and return text (or the
 * CfzdError carrying it); they make no calls. The strategies observe, then pick the message.
 */
import type {Deployment} from '../capi/resources/deployments.js'
import {AbortError} from '../clock.js'
import type {SpaceTarget} from '../context.js'
import {CfzdError, ExitCode, NotFoundError, errorMessage} from '../errors.js'
import {OperationAborted} from './types.js'

/* ---------- why an operation stopped ---------- */

/** The message and exit code for a stop caused by the signal: the abort reason, or Ctrl-C. */
export function abortReason(signal: AbortSignal): {message: string; exitCode: number} {
  const r = signal.reason
  if (r instanceof OperationAborted) return {message: `Aborted: ${r.message}`, exitCode: r.exitCode}
  return {message: 'Interrupted.', exitCode: ExitCode.INTERRUPTED}
}

/** What stopped an operation: the error, whether it was an interrupt (Ctrl-C or an abort), and how to say it. */
export interface Stop {
  error: unknown
  interrupted: boolean
  /** The interrupt's message and exit code (meaningful when interrupted). */
  abort: {message: string; exitCode: number}
  /** The error when it is already a user-facing one. */
  original?: CfzdError
  /** The first line of the report: the interrupt's message, or the error's. */
  head: string
}

export function stopOf(error: unknown, signal: AbortSignal): Stop {
  const interrupted = error instanceof AbortError || signal.aborted
  const abort = abortReason(signal)
  return {error, interrupted, abort, original: error instanceof CfzdError ? error : undefined, head: interrupted ? abort.message : errorMessage(error)}
}

/* ---------- shared ---------- */

export const renamedBySomeoneElse = (appName: string, now: string) => `'${appName}' was renamed to '${now}' by someone else during the operation.`

export const readDeployments = (appGuid: string) => `reading its deployments (GET /v3/deployments?app_guids=${appGuid})`
export const readSpaceRoutes = (spaceGuid: string) => `reading the space's routes (GET /v3/routes?space_guids=${spaceGuid})`
export const readProcesses = (appGuid: string) => `reading its processes (GET /v3/apps/${appGuid}/processes)`
export const readReadyPackages = (appGuid: string) => `reading its packages (GET /v3/packages?app_guids=${appGuid}&states=READY)`

/* ---------- where the droplet comes from (sources.ts) ---------- */

export const source = {
  noPackage: (appName: string) =>
    new CfzdError(`App '${appName}' has no package ready to stage.`, {
      exitCode: ExitCode.FAILED,
      suggestions: ['Push the app first (cfzd push), or use restart to redeploy its current droplet.'],
    }),
  stagingAnother: (appName: string, cause: unknown) =>
    new CfzdError(`App '${appName}' is already staging another build (someone else's, or an interrupted run's).`, {
      exitCode: ExitCode.CONFLICT,
      suggestions: ['Wait for that build to finish, then run this command again.'],
      cause,
    }),
  stillStaging: (buildGuid: string, appName: string) =>
    `Build ${buildGuid} was still staging on '${appName}'; it finishes on its own and is not deployed (running this again picks it up).`,
  stagedWithoutDroplet: (buildGuid: string) => new CfzdError(`Build ${buildGuid} was STAGED but has no droplet.`),
  packageNotCopied: (packageGuid: string, appName: string, why: string) =>
    `Could not copy package ${packageGuid} to the new '${appName}': ${why}. The new app has the droplet but no package: push it (cfzd push ${appName}) before restaging it.`,
  noDroplet: (appName: string) =>
    new CfzdError(`App '${appName}' has no current droplet to restart.`, {
      exitCode: ExitCode.FAILED,
      suggestions: ['Assign a droplet before starting this app: push or restage it first.'],
    }),
  dropletOnly: (appName: string) => `The new '${appName}' will have the droplet but no package: push it (cfzd push ${appName}) before restaging it.`,
  cannotLookUpPackage: (appName: string, why: string) =>
    `Could not look up the package of '${appName}' to carry to the new app: ${why}. ${source.dropletOnly(appName)}`,
  noPackageToCarry: (appName: string) =>
    `App '${appName}' has no package ready to stage, so there is none to carry to the new app. ${source.dropletOnly(appName)}`,
  noRevision: (version: number, appName: string, versions: number[]) =>
    new CfzdError(
      `Revision ${version} not found for app '${appName}'.${versions.length ? ` Its revisions are ${versions.join(', ')}.` : ' It has no revisions.'}`,
      {
        exitCode: ExitCode.NOT_FOUND,
        suggestions: [`Run 'cfzd revisions ${appName}' to list them.`],
      },
    ),
  revisionNotDeployable: (version: number, appName: string, deployable: number[]) =>
    new CfzdError(`Revision ${version} of app '${appName}' cannot be deployed: its droplet has expired or been deleted.`, {
      exitCode: ExitCode.FAILED,
      suggestions: [
        deployable.length
          ? `Versions still deployable: ${deployable.join(', ')}.`
          : 'No revision of this app is deployable any more: push or restage it instead.',
      ],
    }),
  rollbackNeedsSameApp: () => new CfzdError('A rollback deploys a revision of the same app: use --strategy rolling or canary.', {exitCode: ExitCode.USAGE}),
}

/* ---------- blue-green ---------- */

export const bg = {
  cannotCheckInFlight: (appName: string, why: string) =>
    `Could not check whether '${appName}' has a deployment in flight: ${why}. cfzd goes on without this check.`,

  inFlight: (appName: string, d: Deployment) =>
    new CfzdError(`App '${appName}' has a deployment in flight (${d.guid}, ${d.status.reason}); blue-green would race it.`, {
      exitCode: ExitCode.CONFLICT,
      suggestions: [`Wait for it or cancel it (cfzd cancel-deployment ${appName}), then run this again.`],
    }),

  cannotLookForSmokeRoutes: (why: string) =>
    `Could not look for temporary smoke-test routes an interrupted run may have left: ${why}. cfzd goes on without tidying them.`,
  deletedSmokeRoute: (url: string) => `Deleted the temporary smoke-test route ${url}, left by an interrupted run.`,

  copyNeeds: (appName: string, need: {instances: number; memoryMb: number}) =>
    `A blue-green copy of '${appName}' (${need.instances} instance(s), ${need.memoryMb} MB)`,
  copyNeedsHint: 'Use --strategy rolling, which needs room for only --max-in-flight extra instances, or ask for a larger quota.',

  bindingsWithoutParameters: (names: string[]) =>
    `Binding parameters can't be read back for ${names.join(', ')}: those bindings were re-created without parameters.`,

  deployedBySomeoneElse: (d: Deployment, venerable: string, oldGuid: string, appName: string) =>
    new CfzdError(
      `Someone else started deployment ${d.guid} (${d.status.value}/${d.status.reason}) on the old app '${venerable}' (${oldGuid}) while cfzd was replacing it; cfzd will not switch the routes to a copy of what that deployment replaces.`,
      {exitCode: ExitCode.CONFLICT, suggestions: [`Let that deployment finish (cfzd app ${appName}), then run this again if it is still needed.`]},
    ),

  oldDeletedMidway: (venerable: string, oldGuid: string, routesUntouched: boolean) =>
    `The old app '${venerable}' (${oldGuid}) was deleted by someone else during the operation${routesUntouched ? '; its routes had no app until the new one took them' : ''}.`,

  cannotCheckProcesses: (error: unknown) => `Could not check the new app's processes after stopping the old one: ${errorMessage(error)}.`,

  kept: (venerable: string, running: boolean) =>
    running
      ? `The old app is kept running as '${venerable}' without routes. Delete it when you no longer need it: cf delete ${venerable} -f`
      : `The old app is kept, stopped, as '${venerable}'. Delete it when you no longer need it: cf delete ${venerable} -f`,

  /** The first line of a blue-green failure: "Interrupted" / "Aborted: …" without its full stop, or "Failed: …". */
  what: (stop: Stop) => (stop.interrupted ? stop.abort.message.replace(/\.$/, '') : `Failed: ${errorMessage(stop.error)}`),

  /** Failed after the old app was stopped or deleted: the new version is live; say what is left where. */
  afterSwitch(stop: Stop, f: {appName: string; newGuid?: string; venerable: string; oldGuid: string; old: 'running' | 'stopped' | 'gone'}): CfzdError {
    const left = f.old === 'gone' ? [] : [`The old app '${f.venerable}' (${f.oldGuid}) is still there, ${f.old}, with no routes.`]
    return new CfzdError([`${bg.what(stop)}, after the switch: the new '${f.appName}' (${f.newGuid}) is live and serving all routes.`, ...left].join('\n'), {
      exitCode: stop.interrupted ? stop.abort.exitCode : ExitCode.CLEANUP_FAILED,
      suggestions: f.old === 'gone' ? [] : [`Delete it when you are sure: cf delete ${f.venerable} -f (or run the same command again to finish).`],
      details: {phase: 'after-switch', left},
      cause: stop.error,
    })
  },

  /** Failed before anything changed (a preflight refusal, for example): the error as it is. */
  nothingChanged(stop: Stop): CfzdError {
    if (stop.original && !stop.interrupted) return stop.original
    return new CfzdError(`${bg.what(stop)}. Nothing was changed.`, {exitCode: stop.interrupted ? stop.abort.exitCode : ExitCode.FAILED, cause: stop.error})
  },

  /** Failed before the switch, and the old app was deleted by someone else: nothing to roll back to. */
  oldDeleted(
    stop: Stop,
    f: {
      venerable: string
      oldGuid: string
      madeCopy: boolean
      copy?: {name: string; guid: string; state: string}
      routesUntouched: boolean
      routeUrls: string[]
    },
  ): CfzdError {
    const routes = f.routesUntouched ? `the routes (${f.routeUrls.join(', ') || 'none'}) have no app mapped` : 'the routes are mapped to it'
    return new CfzdError(
      [
        `${bg.what(stop)}`,
        `The old app '${f.venerable}' (${f.oldGuid}) was deleted by someone else during the operation, so there is nothing to roll back to.`,
        f.copy
          ? `cfzd kept the new '${f.copy.name}' (${f.copy.guid}), ${f.copy.state === 'STARTED' ? 'started' : 'stopped'}; ${routes}.`
          : `${f.madeCopy ? 'The new copy is gone too' : 'No new copy had been made yet'}; ${routes}.`,
      ].join('\n'),
      {
        exitCode: stop.interrupted ? stop.abort.exitCode : (stop.original?.exitCode ?? ExitCode.FAILED),
        details: {phase: 'before-switch', oldApp: 'deleted by someone else'},
        cause: stop.error,
      },
    )
  },

  /** Failed before the switch and rolled back (or tried to). */
  rolledBack(
    stop: Stop,
    f: {appName: string; oldGuid: string} & (
      {ok: true} | {ok: false; rollbackError: unknown; stable: {name: string; guid: string}; newApp?: {name: string; guid: string}; routesUntouched: boolean}
    ),
  ): CfzdError {
    const rollback = f.ok
      ? `Rolled back: '${f.appName}' (${f.oldGuid}) serves as before, the new copy was deleted, and the routes are as they were.`
      : [
          `Rollback FAILED: ${errorMessage(f.rollbackError)}.`,
          `State left: stable app ${f.stable.name} (${f.stable.guid}), running; ${f.newApp ? `new app ${f.newApp.name} (${f.newApp.guid}) still exists; ` : ''}routes ${f.routesUntouched ? 'as before' : 'mapped to the new app too'}.`,
          'Run the same command again: cfzd recognises the leftovers and finishes the rollback.',
        ].join('\n')
    // A conflict (someone else deployed the old app) keeps its exit code; other failures exit 1.
    const exitCode = !f.ok
      ? ExitCode.FAILED
      : stop.interrupted
        ? stop.abort.exitCode
        : stop.original?.exitCode === ExitCode.CONFLICT
          ? ExitCode.CONFLICT
          : ExitCode.FAILED
    return new CfzdError(`${bg.what(stop)}\n${rollback}`, {
      exitCode,
      suggestions: stop.original?.suggestions ?? [],
      details: {phase: 'before-switch', rollback},
      cause: stop.error,
    })
  },
}

/* ---------- an earlier blue-green run's leftovers (leftovers.ts) ---------- */

export const leftovers = {
  appNotFound: (appName: string, target: SpaceTarget) =>
    new NotFoundError(`App '${appName}' not found in org '${target.org.name}' / space '${target.space.name}'.`, [
      "Run 'cfzd apps' to list the apps in the targeted space.",
    ]),
  notOurs: (venName: string, state: string, kept: boolean) =>
    new CfzdError(
      `An app named '${venName}' already exists (${state.toLowerCase()}), ${kept ? 'kept by an earlier cfzd run with --no-delete or --no-stop' : 'not created by an interrupted cfzd run'}. cfzd will not delete it: it may be your rollback copy. Nothing was changed.`,
      {
        exitCode: ExitCode.CONFLICT,
        suggestions: [`Delete it if you no longer need it (cf delete ${venName} -f), or pick another --venerable-suffix.`],
      },
    ),
  renamingBack: (venName: string, appName: string) => `Recovering an interrupted run: renaming '${venName}' back to '${appName}'.`,
  notTheCopy: (appName: string, venName: string) =>
    new CfzdError(
      `Both '${appName}' and '${venName}' exist, and '${venName}' is marked as the old app of an interrupted cfzd run, but '${appName}' is not the copy that run made. Nothing was changed.`,
      {exitCode: ExitCode.CONFLICT, suggestions: [`Inspect both apps (cfzd app ${appName}, cfzd app ${venName}) and delete the one you don't want.`]},
    ),
  finishing: (appName: string) => `An earlier run switched routes to the new '${appName}' but did not finish: finishing it.`,
  keptOld: (venName: string) => `Kept the old app as '${venName}'.`,
  deletedOld: (venName: string) => `Deleted the old app '${venName}'.`,
  nothingWouldRun: (appName: string, venName: string) =>
    new CfzdError(
      `An interrupted run left '${venName}' stopped and the new '${appName}' running but not healthy. Rolling back would leave nothing running, so cfzd changed nothing.`,
      {exitCode: ExitCode.CONFLICT, suggestions: [`Start '${venName}' (cf start ${venName}) and run this again, or fix '${appName}' and delete '${venName}'.`]},
    ),
  rollingBack: 'An earlier run was interrupted before switching routes: rolling it back first.',
  rolledBack: (venName: string, appName: string) => `Deleted the unfinished copy and renamed '${venName}' back to '${appName}'.`,
}

/* ---------- rolling and canary ---------- */

export const deploy = {
  inFlight: (appName: string, d: Deployment) =>
    new CfzdError(`App '${appName}' already has a deployment in flight (${d.guid}, ${d.status.value}/${d.status.reason}, strategy ${d.strategy}).`, {
      exitCode: ExitCode.CONFLICT,
      suggestions: [
        `Wait for it, continue it (cfzd continue-deployment ${appName}) or cancel it (cfzd cancel-deployment ${appName}).`,
        'Or pass --supersede to replace it with this one.',
      ],
    }),
  superseding: (d: Deployment) => `Superseding deployment ${d.guid} (${d.status.reason}).`,
  cannotCheckWorkers: (appName: string, why: string) => `Could not check '${appName}' for non-web processes: ${why}. cfzd goes on without this check.`,
  cannotCheckQuota: (appName: string, why: string) => `Could not check the quota for '${appName}': ${why}. cfzd goes on without this check.`,
  peakNeeds: (strategy: string, target: number, extra: number, memory: number) =>
    `A ${strategy} deployment of ${target} instance(s) (${extra} extra at peak, ${memory} MB each)`,
  peakNeedsHint: 'Lower --max-in-flight, ask for a larger quota, or free memory in the space.',
  noRouteForSmokeTest: (appName: string) => new CfzdError(`App '${appName}' has no route to smoke-test the canary on.`, {exitCode: ExitCode.USAGE}),
  cannotPin: (at: string, why: string | undefined) =>
    `Smoke test: could not pin requests to the canary (${at}): ${why}. The smoke test hits the shared route, where old instances answer too.`,

  /** Restage of a stopped app: the droplet is set, nothing runs. */
  stagedStopped: (appName: string) => `'${appName}' is stopped: it has the new droplet and will run it when started.`,
  paused: (d: Deployment) =>
    `Deployment ${d.guid} is paused at canary step ${d.status.canary?.steps.current ?? 1}/${d.status.canary?.steps.total ?? 1}: old and new instances both serve traffic.`,
  inBackground: (d: Deployment) => `Deployment ${d.guid} continues in the background.`,
  nextAtPause: (appName: string) => [`cfzd continue-deployment ${appName}`, `cfzd cancel-deployment ${appName}`],

  /** Failed before a deployment existed. `left`: what the source already changed. */
  notDeployed(stop: Stop, exitCode: number, left: string[], details?: Record<string, unknown>): CfzdError {
    if (left.length) return deploy.failure(stop, ['Nothing was deployed: the app still runs its previous droplet.', ...left], exitCode, details)
    return stop.original && !stop.interrupted ? stop.original : deploy.failure(stop, ['Nothing was deployed: the app is unchanged.'], exitCode, details)
  },
  appDeleted: (stop: Stop, appName: string, appGuid: string, d: Deployment) =>
    new CfzdError(
      `App '${appName}' (${appGuid}) was deleted by someone else during the operation, with its deployment ${d.guid}: there is nothing left to cancel.`,
      {
        exitCode: ExitCode.NOT_FOUND,
        cause: stop.error,
      },
    ),
  superseded: (appName: string, d: Deployment) =>
    new CfzdError(`Deployment ${d.guid} was superseded by a newer deployment of '${appName}' (someone else deployed). cfzd left the newer one alone.`, {
      exitCode: ExitCode.CONFLICT,
    }),
  newInstances: (states: string[]) => `New instances: ${states.join(', ')}`,
  canceled: (d: Deployment, appName: string, previousDroplet: string | undefined, routable: number, desired: number) =>
    `Canceled deployment ${d.guid}: '${appName}' is back on droplet ${previousDroplet ?? '(previous)'} with ${routable}/${desired} instances routable.`,
  /** The deployment reached FINALIZED with another reason (DEPLOYED, SUPERSEDED) before the cancel took. */
  finishedBeforeCancel: (d: Deployment, appName: string, reason: string) =>
    reason === 'DEPLOYED'
      ? `Deployment ${d.guid} finished (DEPLOYED) before it could be canceled: '${appName}' runs the new droplet. See 'cfzd revisions ${appName}' and go back with 'cfzd rollback ${appName} --version N'.`
      : `Deployment ${d.guid} ended (${reason}) before it could be canceled. Check '${appName}' with 'cfzd app ${appName}'.`,
  cannotCancel: (d: Deployment, appName: string, error: unknown) =>
    `Could not cancel deployment ${d.guid}: ${errorMessage(error)}. It may still be running. Check with 'cfzd app ${appName}' and cancel it with 'cfzd cancel-deployment ${appName}'.`,

  /** The report of a failed rolling or canary operation: its first line, then what recovery found or did. */
  failure(stop: Stop, lines: string[], exitCode: number, details?: Record<string, unknown>): CfzdError {
    return new CfzdError([stop.head, ...lines].join('\n'), {
      exitCode,
      cause: stop.error,
      suggestions: stop.original?.suggestions ?? [],
      details,
    })
  },
}

/* ---------- cancel-deployment and continue-deployment ---------- */

export const manage = {
  noActive: (appName: string, verb: string) =>
    new CfzdError(`No active deployment found for app ${appName}: nothing to ${verb}.`, {
      exitCode: ExitCode.FAILED,
      suggestions: [`Run 'cfzd app ${appName}' to see its state.`],
    }),
  notPaused: (d: Deployment, appName: string) =>
    new CfzdError(`Deployment ${d.guid} of ${appName} is ${d.status.value}/${d.status.reason}, not PAUSED: only a paused canary can be continued.`, {
      exitCode: ExitCode.FAILED,
    }),
  finalizesNext: (d: Deployment) => `Deployment ${d.guid} is ${d.status.reason}; it finalizes on the updater's next pass.`,
  pausedAgain: (d: Deployment) => `Deployment ${d.guid} is paused again at canary step ${d.status.canary?.steps.current}/${d.status.canary?.steps.total}.`,
}
