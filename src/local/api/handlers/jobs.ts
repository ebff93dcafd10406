/** Jobs and audit events. */
import type {Foundation} from '../../kernel.js'
import type {AuditEventRec} from '../../state.js'
import {list} from '../list.js'
import {presentAuditEvent, presentJob} from '../presenters.js'
import {json, type Routes} from '../routes.js'
import {find} from './common.js'

export function register(r: Routes, f: Foundation): void {
  const s = f.store
  r.get('/v3/jobs/:guid', (ctx) => json(200, presentJob(f, find(s.jobs, ctx.params.guid, 'Job'))))
  r.get('/v3/audit_events', (ctx) => {
    let rows = s.auditEvents.all()
    const not = ctx.query.list('target_guids[not]')
    if (not) rows = rows.filter((e) => !not.includes(e.target.guid))
    return list(
      ctx,
      rows,
      {
        filters: {
          types: (e: AuditEventRec, v: string[]) => v.includes(e.type),
          target_guids: (e: AuditEventRec, v: string[]) => v.includes(e.target.guid),
          space_guids: (e: AuditEventRec, v: string[]) => v.includes(e.spaceGuid ?? ''),
          organization_guids: (e: AuditEventRec, v: string[]) => v.includes(e.orgGuid ?? ''),
        },
        noLabels: true,
      },
      (e) => presentAuditEvent(f, e),
    )
  })
  r.get('/v3/audit_events/:guid', (ctx) => json(200, presentAuditEvent(f, find(s.auditEvents, ctx.params.guid, 'Event'))))
}
