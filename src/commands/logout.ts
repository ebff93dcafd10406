import {BaseCommand} from '../base-command.js'

export default class Logout extends BaseCommand {
  static summary = 'Log out: revoke and forget the tokens and the target'

  async run() {
    await this.parse(Logout)
    const {logout} = await import('../auth/session.js')
    const res = await logout({onWarning: (w) => this.ui.warn(w)})
    this.ui.info(res.identity?.name ? `Logging out ${res.identity.name}...` : 'Logging out...')
    this.log('OK')
    return {loggedOut: true, revoked: res.revoked}
  }
}
