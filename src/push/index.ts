/**
 * cfzd push: deploy new source from a manifest under any strategy, several apps included.
 *
 *   preparePush(input)          manifest + vars + flags + bits, all checked before any change (exit 2)
 *   runPush(ctx, {prepared...}) per app: first push, the strategy (push as a DropletSource), or upload only
 */
export {preparePush, findManifest, loadVars, type PushInput, type PreparedPush} from './prepare.js'
export {runPush, planPush, pushOne, type PushRequest, type PushResult} from './run.js'
export {pushSource, applyManifestStep, uploadStep, manifestYaml, type PushRecord} from './source.js'
export {loadManifest, parseManifest, ManifestApp, ManifestProcess, type LoadedManifest} from './manifest.js'
export {
  planApp,
  applyOverrides,
  normalizeEntry,
  splitWebScale,
  processPart,
  entryForNewApp,
  type AppPlan,
  type PreparedApp,
  type PushOverrides,
  type PushMode,
} from './plan.js'
export {scanBits, zipBits, matchResources, ignoreRules, DEFAULT_IGNORES, type Bits, type BitsEntry} from './bits.js'
export {interpolate, mergeVars, parseVarFlag, loadVarsFile, type Vars} from './vars.js'
export {megabytes, logRateBytes} from './sizes.js'
export {PushInputError, type Problem} from './problems.js'
export {validatePushFlags, pushOptions, type PushFlags} from './flags.js'
export {renderPushResult, renderPushResults} from './render.js'
