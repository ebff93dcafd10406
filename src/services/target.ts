/** Choosing an org and space: by name, or the only one there is (as `cf login` does). */
import type {CapiClient} from '../capi/client.js'
import type {Target} from '../auth/session.js'
import {NotFoundError} from '../errors.js'

export interface ChosenTarget {
  org?: Target
  space?: Target
  /** Why nothing was chosen, when more than one was possible. */
  hint?: string
}

export async function chooseTarget(capi: CapiClient, want: {org?: string; space?: string}, current: {org?: Target} = {}): Promise<ChosenTarget> {
  let org: Target | undefined
  if (want.org) {
    const o = await capi.organizations.findByName(want.org)
    if (!o) throw new NotFoundError(`Organization '${want.org}' not found.`, ['Check the name; organizations you can see are listed by cf orgs.'])
    org = {guid: o.guid, name: o.name}
  } else if (want.space && current.org) {
    org = current.org
  } else {
    const orgs = await capi.organizations.list()
    if (orgs.length === 1) org = {guid: orgs[0].guid, name: orgs[0].name}
    else if (orgs.length > 1) return {hint: "Select an org with 'cfzd target -o ORG'."}
    else return {hint: 'No orgs found for this user.'}
  }
  if (want.space) {
    const s = await capi.spaces.findByName(org.guid, want.space)
    if (!s) throw new NotFoundError(`Space '${want.space}' not found in org '${org.name}'.`, ['Check the name, or target another org with -o.'])
    return {org, space: {guid: s.guid, name: s.name}}
  }
  const spaces = await capi.spaces.list({organization_guids: [org.guid]})
  if (spaces.length === 1) return {org, space: {guid: spaces[0].guid, name: spaces[0].name}}
  return {org, hint: spaces.length > 1 ? "Select a space with 'cfzd target -s SPACE'." : `No spaces found in org '${org.name}'.`}
}
