import {OperationCommand} from '../operation-command.js'

export default class Restart extends OperationCommand {
  static kind = 'restart' as const
  // oclif reads a command's options by spreading the class, which drops inherited statics.
  static args = OperationCommand.args
  static summary = 'Restart an app without downtime (rolling by default), keeping its current droplet'
  static examples = [
    '<%= config.bin %> restart my-app',
    '<%= config.bin %> restart my-app --max-in-flight 3',
    '<%= config.bin %> restart my-app --strategy canary --instance-steps 20,50',
    '<%= config.bin %> restart my-app --strategy blue-green --no-delete',
    '<%= config.bin %> restart my-app --probe --abort-on-errors 3',
    '<%= config.bin %> restart my-app --strategy blue-green --smoke-test ./smoke.sh --probe /health --abort-on-error-rate 5%',
  ]
}
