import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {UsageError} from '../errors.js'
import {ask, canPrompt} from '../ui/prompt.js'
import {renderKeyValues} from '../ui/table.js'

export default class Login extends BaseCommand {
  static summary = 'Log in to a Cloud Foundry API (shares ~/.cf/config.json with the cf CLI)'
  static description =
    'Authenticates against UAA with a password, or with client credentials for CI, then targets an org and space. Prompts for missing values only on a terminal.'
  static examples = [
    '<%= config.bin %> login -a https://api.sys.example.org -u me@example.org',
    '<%= config.bin %> login -a http://127.0.0.1:9022 -u admin -p admin -o local -s dev',
    '<%= config.bin %> login -a https://api.example.org --client-id ci-bot --client-secret "$SECRET"',
  ]

  static flags = {
    api: Flags.string({char: 'a', description: 'API endpoint, e.g. https://api.example.com', env: 'CF_API'}),
    username: Flags.string({char: 'u', description: 'Username'}),
    password: Flags.string({char: 'p', description: 'Password'}),
    'client-id': Flags.string({description: 'Client ID for the client_credentials grant'}),
    'client-secret': Flags.string({description: 'Client secret for the client_credentials grant'}),
    origin: Flags.string({description: 'Identity provider origin key (login_hint)'}),
    org: Flags.string({char: 'o', description: 'Org to target'}),
    space: Flags.string({char: 's', description: 'Space to target'}),
    'skip-ssl-validation': Flags.boolean({description: 'Skip verification of the API endpoint TLS certificate (not recommended)', default: false}),
  }

  async run() {
    const {flags} = await this.parse(Login)
    let {api, username, password} = flags
    const clientId = flags['client-id']
    const clientSecret = flags['client-secret']
    const interactive = canPrompt() && !this.jsonEnabled()
    if (!api && interactive) api = await ask('API endpoint: ')
    if (!api) throw new UsageError('No API endpoint given.', ['Pass -a API (or set CF_API).'])
    // On a terminal, a user login asks for what is missing, as `cf login` does; then the one check.
    if (!clientId && !clientSecret && interactive) {
      if (!username) username = await ask('Email: ')
      if (!password) password = await ask('Password: ', {secret: true})
    }
    const {chooseCredentials, FLAG_CREDENTIALS} = await import('../auth/session.js')
    if (!chooseCredentials({username, password, clientId, clientSecret}, FLAG_CREDENTIALS)) {
      throw new UsageError('Username and password are required.', ['Pass -u and -p, or --client-id and --client-secret for CI.'])
    }
    this.ui.info(`API endpoint: ${api}`)
    const {login} = await import('../auth/session.js')
    const {traceSinkFromEnv} = await import('../capi/trace.js')
    const {withSpinner} = await import('../ui/spinner.js')
    const result = await withSpinner(this.ui, 'Authenticating...', () =>
      login({
        api,
        skipSslValidation: flags['skip-ssl-validation'],
        username,
        password,
        clientId,
        clientSecret,
        origin: flags.origin,
        trace: traceSinkFromEnv(process.env.CF_TRACE, flags.verbose),
        onWarning: (w) => this.ui.warn(w),
      }),
    )
    this.ui.info('OK')
    const {CapiClient} = await import('../capi/client.js')
    const {chooseTarget} = await import('../services/target.js')
    const {saveTarget} = await import('../auth/session.js')
    const capi = new CapiClient({
      apiUrl: result.apiUrl,
      tokens: result.session.tokens,
      skipSslValidation: flags['skip-ssl-validation'],
      onWarning: (w) => this.ui.warn(w),
    })
    const chosen = await chooseTarget(capi, {org: flags.org, space: flags.space})
    if (chosen.org) await saveTarget(chosen.org, chosen.space)
    if (chosen.org) this.ui.info(`Targeted org ${chosen.org.name}.`)
    if (chosen.space) this.ui.info(`Targeted space ${chosen.space.name}.`)
    if (chosen.hint) this.ui.info(chosen.hint)
    const out = {api: result.apiUrl, apiVersion: result.apiVersion, user: result.identity.name, org: chosen.org?.name, space: chosen.space?.name}
    this.log(
      '\n' +
        renderKeyValues([
          ['API endpoint', out.api],
          ['API version', out.apiVersion],
          [result.identity.kind === 'client' ? 'client' : 'user', out.user],
          ['org', out.org ?? "No org targeted, use 'cfzd target -o ORG'"],
          ['space', out.space ?? "No space targeted, use 'cfzd target -s SPACE'"],
        ]),
    )
    return out
  }
}
