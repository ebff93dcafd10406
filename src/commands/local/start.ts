import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {formatDuration} from '../../clock.js'
import {CfzdError, ExitCode} from '../../errors.js'
import {durationFlag} from '../../flags.js'

export default class LocalStart extends BaseCommand {
  static summary = 'Run a local Cloud Foundry on 127.0.0.1: Cloud Controller (CAPI v3), UAA and a router, with real HTTP app instances'
  static description = `Runs until Ctrl-C, then drains the app instances and stops. With no --seed it creates org "local", space "dev" and an app "sample" (2 instances) reachable through the router: curl http://sample.apps.localhost:9080/

With --run-apps, a pushed app's own code runs: cfzd push a folder (e.g. examples/node-app) and its instances run its start command. Apps seeded or pushed without --run-apps keep the built-in responder.

Apps crash on demand with the env var CFZD_LOCAL_CRASH=true (read when an instance starts) and fail staging with CFZD_LOCAL_STAGING_FAIL=true. A stopping instance finishes its requests within its graceful window; with CFZD_LOCAL_STOP=kill it exits at once and drops them, like an app that doesn't trap SIGTERM. Faults can also be changed at run time: PATCH /_local/faults (see src/local/README.md).`
  static examples = [
    '<%= config.bin %> local start',
    '<%= config.bin %> local start --tick 1s --startup-time 500ms --state .cfzd-local-state.json',
    '<%= config.bin %> local start --seed seed.yml --json',
    '<%= config.bin %> local start --run-apps',
  ]
  static flags = {
    port: Flags.integer({description: 'Port of the API (and UAA, under /uaa).', default: 9022, min: 0, max: 65535}),
    'router-port': Flags.integer({description: 'Port of the router that serves the apps.', default: 9080, min: 0, max: 65535}),
    state: Flags.string({description: 'JSON file that keeps the state across restarts (written atomically).'}),
    seed: Flags.string({description: 'YAML or JSON seed file (orgs, spaces, quotas, buildpacks, apps, a bulk generator).'}),
    tick: durationFlag({description: 'Deployment updater interval, as in production.', default: 5000, defaultHelp: async () => '5s'}),
    'staging-time': durationFlag({description: 'How long a build stays STAGING (default 3s).'}),
    'startup-time': durationFlag({description: 'How long a new instance stays STARTING before its health check (default 2s).'}),
    'crash-backoff': durationFlag({
      description: "Diego's shortest wait before restarting an instance that crashed 3 times or more; doubles per crash up to 32 times it (default 30s).",
    }),
    'route-delay': durationFlag({
      description:
        'How long the router keeps sending requests to an unmapped destination, as gorouter does until route-emitter and NATS pass the change on (default 0).',
    }),
    'token-lifetime': durationFlag({description: 'Lifetime of access tokens (default about 2h).'}),
    latency: durationFlag({description: 'Added to every API response.'}),
    'error-rate': Flags.string({description: 'Fraction (0..1) of API requests that fail with a 503 or a connection reset.'}),
    'rate-limit': Flags.integer({description: 'Requests per user per minute before 429s (off by default).', min: 1}),
    'shared-domain': Flags.string({description: 'Shared domain of the app routes.', default: 'apps.localhost'}),
    'admin-password': Flags.string({description: 'Password of the admin user (random by default, kept in --state).', env: 'CFZD_LOCAL_ADMIN_PASSWORD'}),
    'random-seed': Flags.integer({description: 'Seed for injected faults and generated data, to repeat a run.'}),
    'run-apps': Flags.boolean({
      description:
        "Run pushed apps' own code instead of the built-in responder: each instance runs the start command (the process's command, a Procfile line, or npm start) in its own folder with PORT, VCAP_APPLICATION, VCAP_SERVICES and the app's env; its health check decides when it is routable; stop sends SIGTERM, then SIGKILL after 10s.",
    }),
    'data-dir': Flags.string({
      description: 'With --run-apps: where pushed bits and instance folders are kept (default: beside --state, else a temporary folder removed on stop).',
      dependsOn: ['run-apps'],
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(LocalStart)
    const errorRate = flags['error-rate'] === undefined ? undefined : Number(flags['error-rate'])
    if (errorRate !== undefined && !(errorRate >= 0 && errorRate <= 1))
      throw new CfzdError('--error-rate must be a number between 0 and 1', {exitCode: ExitCode.USAGE})
    const {startLocalFoundation} = await import('../../local/index.js')
    const log = flags.verbose ? (line: string) => process.stderr.write(`[local] ${line}\n`) : undefined
    let lf
    try {
      lf = await startLocalFoundation({
        port: flags.port,
        routerPort: flags['router-port'],
        statePath: flags.state,
        seed: flags.seed,
        tickMs: flags.tick,
        stagingMs: flags['staging-time'],
        startupMs: flags['startup-time'],
        routeDelayMs: flags['route-delay'],
        tokenLifetimeSec: flags['token-lifetime'] === undefined ? undefined : flags['token-lifetime'] / 1000,
        faults: {
          ...(flags.latency !== undefined ? {latencyMs: flags.latency} : {}),
          ...(flags['crash-backoff'] !== undefined ? {crashBackoffMs: flags['crash-backoff']} : {}),
          ...(errorRate !== undefined ? {errorRate} : {}),
          ...(flags['rate-limit'] !== undefined ? {rateLimit: {limit: flags['rate-limit'], windowSec: 60}} : {}),
        },
        sharedDomain: flags['shared-domain'],
        admin: flags['admin-password'] ? {password: flags['admin-password']} : undefined,
        randomSeed: flags['random-seed'],
        runApps: flags['run-apps'] ? {dataDir: flags['data-dir'] ?? (flags.state ? `${flags.state}.data` : undefined)} : undefined,
        log,
      })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new CfzdError(`A port is already in use: ${(error as Error).message}.`, {
          suggestions: ['Another local foundation may be running. Stop it, or pick other ports with --port and --router-port (0 picks free ones).'],
        })
      }
      throw error
    }

    const login = `cfzd login -a ${lf.apiUrl} -u ${lf.admin.username} -p ${lf.admin.password}`
    const facts = {
      api_url: lf.apiUrl,
      router_url: lf.routerUrl,
      uaa_url: lf.uaaUrl,
      shared_domain: lf.sharedDomain,
      admin: lf.admin,
      ci_client: lf.ciClient,
      login,
      state: flags.state ?? null,
      tick_ms: flags.tick,
      apps: lf.seeded?.apps ?? null,
      run_apps: flags['run-apps'],
    }
    if (this.jsonEnabled()) process.stdout.write(JSON.stringify(facts) + '\n')
    else {
      const style = this.ui.style
      this.ui.out(`${style('green', 'Local foundation running')} (Ctrl-C to stop)`)
      this.ui.out(`API:      ${lf.apiUrl}`)
      this.ui.out(`Router:   ${lf.routerUrl}   (apps: http://<app>.${lf.sharedDomain}:${lf.routerPort}/)`)
      this.ui.out(`UAA:      ${lf.uaaUrl}`)
      this.ui.out(`Admin:    ${lf.admin.username} / ${lf.admin.password}`)
      this.ui.out(`CI client: ${lf.ciClient.id} / ${lf.ciClient.secret}`)
      this.ui.out(`Updater tick: ${formatDuration(flags.tick)}${flags.state ? `   State: ${flags.state}` : ''}`)
      this.ui.out('')
      this.ui.out(`  ${login}`)
    }

    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    this.ui.info('Stopping: draining app instances...')
    await lf.stop()
    this.ui.info('Stopped.')
  }
}
