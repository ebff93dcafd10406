import {describe, expect, it} from '@jest/globals'
import {classify, indexReleases, releaseFor, type SelectionFacts, type SelectionRules} from '../../../src/restage-all/select.js'
import type {AppRef, BuildpackRelease, DropletRef} from '../../../src/restage-all/types.js'

const RELEASED = '2026-02-01T00:00:00Z'
const OLD = '2026-01-15T00:00:00Z'
const NEW = '2026-02-10T00:00:00Z'

const app = (over: Partial<AppRef> = {}): AppRef => ({
  guid: 'a1',
  name: 'shop',
  state: 'STARTED',
  lifecycle: 'buildpack',
  spaceGuid: 's1',
  space: 'prod',
  orgGuid: 'o1',
  org: 'acme',
  currentDroplet: 'd1',
  ...over,
})

const droplet = (over: Partial<DropletRef> = {}): DropletRef => ({
  guid: 'd1',
  createdAt: OLD,
  stack: 'cflinuxfs4',
  buildpacks: [{name: 'ruby_buildpack', buildpackName: 'ruby', version: '1.8.0'}],
  ...over,
})

const rules = (over: Partial<SelectionRules> = {}): SelectionRules => ({
  buildpack: 'ruby_buildpack',
  all: false,
  includeStopped: false,
  venerableSuffix: '-venerable',
  ...over,
})

function facts(
  releases: BuildpackRelease[] = [{name: 'ruby_buildpack', stack: 'cflinuxfs4', updatedAt: RELEASED}],
  over: Partial<SelectionFacts> = {},
): SelectionFacts {
  return {releases: indexReleases(releases), hasApp: () => false, done: () => false, ...over}
}

type Want = 'restage' | string

describe('classify', () => {
  const cases: {
    name: string
    app?: Partial<AppRef>
    droplet?: Partial<DropletRef> | null
    rules?: Partial<SelectionRules>
    releases?: BuildpackRelease[]
    facts?: Partial<SelectionFacts>
    want: Want
  }[] = [
    {name: 'outdated droplet matched by admin name', want: 'restage'},
    {name: 'matched by buildpack_name (what the buildpack reports)', rules: {buildpack: 'ruby'}, want: 'restage'},
    {
      name: 'buildpack_name match is judged against the admin buildpack in `name`',
      rules: {buildpack: 'ruby'},
      droplet: {createdAt: NEW},
      want: 'skip:up-to-date',
    },
    {name: 'names are case-sensitive', rules: {buildpack: 'Ruby_Buildpack'}, want: 'ignore:other-buildpack'},
    {name: 'another buildpack', droplet: {buildpacks: [{name: 'go_buildpack', buildpackName: 'go'}]}, want: 'ignore:other-buildpack'},
    {name: 'multi-buildpack: a supply buildpack counts', droplet: {buildpacks: [{name: 'ruby_buildpack'}, {name: 'nodejs_buildpack'}]}, want: 'restage'},
    {name: 'droplet newer than the release', droplet: {createdAt: NEW}, want: 'skip:up-to-date'},
    {name: 'droplet in the same second as the release is not older', droplet: {createdAt: RELEASED}, want: 'skip:up-to-date'},
    {name: '--all takes an up-to-date droplet', droplet: {createdAt: NEW}, rules: {all: true}, want: 'restage'},
    {name: 'docker app', app: {lifecycle: 'docker'}, droplet: {buildpacks: []}, want: 'ignore:docker'},
    {name: 'docker is skipped even with --all', app: {lifecycle: 'docker'}, rules: {all: true}, want: 'ignore:docker'},
    {name: 'cnb lifecycle is treated like buildpack', app: {lifecycle: 'cnb'}, want: 'restage'},
    {name: 'no current droplet', droplet: null, want: 'ignore:no-droplet'},
    {name: 'droplet with buildpacks null', droplet: {buildpacks: []}, want: 'ignore:other-buildpack'},
    {name: 'stopped app', app: {state: 'STOPPED'}, want: 'skip:stopped'},
    {name: 'stopped app with --include-stopped', app: {state: 'STOPPED'}, rules: {includeStopped: true}, want: 'restage'},
    {name: 'stopped and up to date says up to date', app: {state: 'STOPPED'}, droplet: {createdAt: NEW}, want: 'skip:up-to-date'},
    {name: 'no admin buildpack of that name', releases: [], want: 'skip:release-unknown'},
    {name: 'no admin buildpack, --all', releases: [], rules: {all: true}, want: 'restage'},
    {
      name: 'URL buildpack matched by buildpack_name',
      rules: {buildpack: 'ruby'},
      droplet: {buildpacks: [{name: 'https://github.com/x/ruby-buildpack', buildpackName: 'ruby'}]},
      want: 'skip:release-unknown',
    },
    {
      name: 'several stacks: the droplet is judged against its own stack (older release there)',
      releases: [
        {name: 'ruby_buildpack', stack: 'cflinuxfs4', updatedAt: '2026-01-01T00:00:00Z'},
        {name: 'ruby_buildpack', stack: 'cflinuxfs3', updatedAt: '2026-03-01T00:00:00Z'},
      ],
      want: 'skip:up-to-date',
    },
    {
      name: 'several stacks: newer release on its own stack',
      droplet: {stack: 'cflinuxfs3'},
      releases: [
        {name: 'ruby_buildpack', stack: 'cflinuxfs4', updatedAt: '2026-01-01T00:00:00Z'},
        {name: 'ruby_buildpack', stack: 'cflinuxfs3', updatedAt: '2026-03-01T00:00:00Z'},
      ],
      want: 'restage',
    },
    {
      name: 'several stacks, none the droplet stack: the any-stack buildpack',
      droplet: {stack: 'windows'},
      releases: [
        {name: 'ruby_buildpack', stack: 'cflinuxfs4', updatedAt: '2026-03-01T00:00:00Z'},
        {name: 'ruby_buildpack', stack: null, updatedAt: '2026-01-01T00:00:00Z'},
      ],
      want: 'skip:up-to-date',
    },
    {
      name: 'several stacks, none matching and none any-stack: the newest',
      droplet: {stack: 'windows'},
      releases: [
        {name: 'ruby_buildpack', stack: 'cflinuxfs4', updatedAt: '2026-01-01T00:00:00Z'},
        {name: 'ruby_buildpack', stack: 'cflinuxfs3', updatedAt: '2026-03-01T00:00:00Z'},
      ],
      want: 'restage',
    },
    {
      name: 'APP-venerable next to APP is a blue-green leftover',
      app: {name: 'shop-venerable'},
      facts: {hasApp: (s, n) => s === 's1' && n === 'shop'},
      want: 'skip:leftover',
    },
    {name: 'APP-venerable alone is an ordinary app', app: {name: 'shop-venerable'}, want: 'restage'},
    {name: 'done in the resumed report', facts: {done: () => true}, want: 'skip:already-restaged'},
    {name: 'done wins over up to date', droplet: {createdAt: NEW}, facts: {done: () => true}, want: 'skip:already-restaged'},
  ]

  it.each(cases)('$name → $want', (c) => {
    const d = c.droplet === null ? null : droplet(c.droplet)
    const got = classify(app(c.app), d, rules(c.rules), facts(c.releases, c.facts))
    expect(got.kind === 'restage' ? 'restage' : `${got.kind}:${got.reason}`).toBe(c.want)
  })

  it('says why, with dates and versions', () => {
    const got = classify(app(), droplet(), rules(), facts())
    expect(got).toMatchObject({
      kind: 'restage',
      why: 'droplet built 2026-01-15 00:00:00 UTC with ruby_buildpack 1.8.0, before ruby_buildpack (cflinuxfs4) was updated 2026-02-01 00:00:00 UTC',
      match: {droplet: {guid: 'd1', stack: 'cflinuxfs4'}, buildpack: {name: 'ruby_buildpack', buildpackName: 'ruby', version: '1.8.0'}, outdated: true},
    })
    const skip = classify(app(), droplet({createdAt: NEW}), rules(), facts())
    expect(skip).toMatchObject({detail: 'droplet built 2026-02-10 00:00:00 UTC, after ruby_buildpack (cflinuxfs4) was updated 2026-02-01 00:00:00 UTC'})
    expect(classify(app(), droplet({createdAt: NEW}), rules({all: true}), facts())).toMatchObject({why: expect.stringContaining('(--all)')})
  })
})

describe('releaseFor', () => {
  const r = (stack: string | null, updatedAt: string): BuildpackRelease => ({name: 'x', stack, updatedAt})
  it.each([
    {name: 'none', releases: [], stack: 'a', want: undefined},
    {name: 'same stack', releases: [r('a', '2026-01-01T00:00:00Z'), r(null, '2026-05-01T00:00:00Z')], stack: 'a', want: '2026-01-01T00:00:00Z'},
    {name: 'any stack', releases: [r('b', '2026-09-01T00:00:00Z'), r(null, '2026-05-01T00:00:00Z')], stack: 'a', want: '2026-05-01T00:00:00Z'},
    {name: 'newest', releases: [r('b', '2026-09-01T00:00:00Z'), r('c', '2026-05-01T00:00:00Z')], stack: 'a', want: '2026-09-01T00:00:00Z'},
    {name: 'droplet without stack', releases: [r('b', '2026-09-01T00:00:00Z'), r(null, '2026-05-01T00:00:00Z')], stack: null, want: '2026-05-01T00:00:00Z'},
  ])('$name', ({releases, stack, want}) => {
    expect(releaseFor(releases, stack)?.updatedAt).toBe(want)
  })
})
