/**
 * Service credential bindings: the controller's lookups (service_credential_bindings_controller.rb)
 * and the checks of service_credential_binding_app_create.rb and service_credential_binding_key_create.rb.
 */
import {unprocessable} from '../api/errors.js'
import type {Foundation} from '../kernel.js'
import type {BindingRec} from '../state.js'
import {newGuid} from '../util.js'

export interface BindInput {
  type: 'app' | 'key'
  name?: string | null
  appGuid?: string
  serviceInstanceGuid: string
  parameters?: Record<string, unknown>
}

/** Create a binding: succeeded at once for a user-provided instance, "in progress" (a job finishes it) for a managed one. */
export function createBinding(f: Foundation, input: BindInput, metadata = {labels: {}, annotations: {}}): BindingRec {
  const s = f.store
  const si = s.serviceInstances.get(input.serviceInstanceGuid)
  if (!si) throw unprocessable(`The service instance could not be found: '${input.serviceInstanceGuid}'`)
  if (input.parameters !== undefined && si.type === 'user-provided')
    throw unprocessable('Binding parameters are not supported for user-provided service instances')
  if (input.type === 'app') {
    const app = s.apps.get(input.appGuid)
    if (!app) throw unprocessable(`The app could not be found: '${input.appGuid}'`)
    if (app.spaceGuid !== si.spaceGuid) throw unprocessable('The service instance and the app are in different spaces')
    const existing = s.bindings.by('instance', si.guid).filter((b) => b.appGuid === app.guid)
    if (existing.some((b) => b.lastOperation.type === 'delete')) throw unprocessable('The binding is getting deleted or its deletion failed')
    if (existing.length > 0) throw unprocessable('The app is already bound to the service instance')
    if (input.name && s.bindings.by('app', app.guid).some((b) => b.name === input.name)) {
      throw unprocessable(
        `The binding name is invalid. Binding names must be unique for a given service instance and app. The app already has a binding with name '${input.name}'.`,
      )
    }
  } else {
    if (si.type === 'user-provided') throw unprocessable("Service credential bindings of type 'key' are not supported for user-provided service instances.")
    if (s.bindings.by('instance', si.guid).some((b) => b.type === 'key' && b.name === input.name)) {
      throw unprocessable(
        `The binding name is invalid. Key binding names must be unique. The service instance already has a key binding with name '${input.name}'.`,
      )
    }
  }
  const now = f.now()
  const managed = si.type === 'managed'
  const binding = s.bindings.insert(
    s.stamp<BindingRec>(
      {
        name: input.name ?? null,
        type: input.type,
        appGuid: input.type === 'app' ? input.appGuid! : null,
        serviceInstanceGuid: si.guid,
        parameters: {...input.parameters},
        credentials: managed
          ? {
              uri: `${si.offering ?? 'service'}://user-${newGuid().slice(0, 8)}:secret@127.0.0.1/${si.name}`,
              username: `user-${newGuid().slice(0, 8)}`,
              password: newGuid(),
            }
          : {...si.credentials},
        // service_binding_create.rb saves operations without a description (a broker may give one; none does here).
        lastOperation: {type: 'create', state: managed ? 'in progress' : 'succeeded', description: null, createdAt: now, updatedAt: now},
        metadata,
      },
      now,
    ),
  )
  return binding
}
