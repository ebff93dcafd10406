import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {durationFlag, strategyFlag} from '../../flags.js'

export default class LocalDemo extends BaseCommand {
  static summary = 'A zero-downtime restart under live traffic, on a throw-away local foundation'
  static description =
    'Starts a local foundation on free ports with one app, sends traffic to it through the router, restarts it with cfzd (rolling by default), prints the result and the traffic it served, and stops the foundation. Nothing outside the process is touched.'
  static examples = ['<%= config.bin %> local demo', '<%= config.bin %> local demo --strategy blue-green --instances 6']
  static flags = {
    strategy: strategyFlag({default: 'rolling'}),
    instances: Flags.integer({description: 'Instances of the demo app.', default: 4, min: 1, max: 50}),
    tick: durationFlag({description: 'Deployment updater interval.', default: 1000}),
    'startup-time': durationFlag({description: 'Instance start-up delay.', default: 500}),
  }

  async run() {
    const {flags} = await this.parse(LocalDemo)
    const {startLocalFoundation} = await import('../../local/index.js')
    const {Traffic} = await import('../../local/traffic.js')
    const ui = this.ui
    ui.info('Starting a local foundation...')
    const lf = await startLocalFoundation({
      tickMs: flags.tick,
      startupMs: flags['startup-time'],
      stagingMs: 1000,
      seed: {orgs: [{name: 'demo', spaces: [{name: 'demo', apps: [{name: 'demo-app', instances: flags.instances, memory: '64M'}]}]}]},
    })
    try {
      const host = `demo-app.${lf.sharedDomain}`
      ui.info(`API ${lf.apiUrl}, router ${lf.routerUrl}; app demo-app with ${flags.instances} instances at http://${host}:${lf.routerPort}/`)
      const env = {...process.env, CF_API: lf.apiUrl, CF_USERNAME: lf.admin.username, CF_PASSWORD: lf.admin.password, CF_ORG: 'demo', CF_SPACE: 'demo'}
      const {buildContext} = await import('../../context.js')
      const ctx = await buildContext({ui, verbose: flags.verbose, env})
      const {deployOptions} = await import('../../deploy-options.js')
      const {runOperation} = await import('../../strategies/index.js')
      const traffic = new Traffic(lf.routerUrl, host)
      await new Promise((r) => setTimeout(r, 500))
      const result = await runOperation(ctx, {kind: 'restart', appName: 'demo-app', opts: deployOptions({strategy: flags.strategy}, env)})
      await new Promise((r) => setTimeout(r, 500))
      const served = await traffic.stop()
      const {renderResult} = await import('../../ui/results.js')
      this.log(renderResult(ui, result))
      this.log('')
      this.log(`traffic:      ${served.sent} requests through the router, ${served.failed} failed (${served.availability.toFixed(2)}% available)`)
      this.log(`processes:    ${served.processes.join(' → ') || 'none'} (answering, old → new)`)
      this.log(`droplets:     ${served.droplets.join(' → ') || 'none'}`)
      return {result, traffic: served}
    } finally {
      ui.info('Stopping the local foundation...')
      await lf.stop()
    }
  }
}
