import {blueGreenFlags, probeFlags, scaleFlags, smokeTestFlags, timeoutFlags} from '../flags.js'
import {OperationCommand} from '../operation-command.js'
import {summaryFlags} from '../summary/flag.js'

export default class BgRestage extends OperationCommand {
  static kind = 'restage' as const
  static strategy = 'blue-green' as const
  // oclif reads a command's options by spreading the class, which drops inherited statics.
  static args = OperationCommand.args
  static summary = 'Blue-green restage: a new copy of the app is staged from the same package, then replaces the old one'
  static description =
    'The old app is renamed APP-venerable and keeps serving; a new APP gets its environment, lifecycle, processes, routes, service bindings, features and metadata, starts all its instances, takes over the routes, and only then is the old app stopped and deleted. Any failure before the switch rolls back.'
  static examples = [
    '<%= config.bin %> bg-restage my-app',
    '<%= config.bin %> bg-restage my-app --no-delete',
    '<%= config.bin %> bg-restage my-app --no-stop --venerable-suffix -old',
    '<%= config.bin %> bg-restage my-app --smoke-test ./smoke.sh --probe --abort-on-errors 1',
  ]
  static flags = {...scaleFlags, ...timeoutFlags, ...blueGreenFlags, ...smokeTestFlags, ...probeFlags, ...summaryFlags}
}
