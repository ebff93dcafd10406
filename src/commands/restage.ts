import {OperationCommand} from '../operation-command.js'

export default class Restage extends OperationCommand {
  static kind = 'restage' as const
  // oclif reads a command's options by spreading the class, which drops inherited statics.
  static args = OperationCommand.args
  static summary = 'Restage an app without downtime: stage its newest package against the current buildpacks, then deploy the new droplet'
  static examples = [
    '<%= config.bin %> restage my-app',
    '<%= config.bin %> restage my-app --max-in-flight 3',
    '<%= config.bin %> restage my-app --strategy canary --instance-steps 20,50',
    '<%= config.bin %> restage my-app --strategy blue-green --no-delete',
    '<%= config.bin %> restage my-app --probe --abort-on-error-rate 5%',
    '<%= config.bin %> restage my-app --strategy canary --instance-steps 25,50 --smoke-test "npm run smoke --" --probe',
  ]
}
