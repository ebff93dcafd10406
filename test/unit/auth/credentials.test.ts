import {describe, expect, it} from '@jest/globals'
import {chooseCredentials, ENV_CREDENTIALS, FLAG_CREDENTIALS} from '../../../src/auth/session.js'

describe('chooseCredentials: the one user-or-client check', () => {
  it.each([
    [
      {username: 'u', password: 'p'},
      {kind: 'password', username: 'u', password: 'p', origin: undefined},
    ],
    [
      {username: 'u', password: 'p', origin: 'ldap'},
      {kind: 'password', username: 'u', password: 'p', origin: 'ldap'},
    ],
    [
      {clientId: 'c', clientSecret: 's'},
      {kind: 'client', clientId: 'c', clientSecret: 's'},
    ],
    [{}, undefined],
  ])('%j', (given, expected) => {
    expect(chooseCredentials(given, FLAG_CREDENTIALS)).toEqual(expected)
  })

  it.each([
    [{username: 'u'}, /^-u is given but -p is not\.$/],
    [{password: 'p'}, /^-p is given but -u is not\.$/],
    [{clientId: 'c'}, /^--client-id is given but --client-secret is not\.$/],
    [{clientSecret: 's'}, /^--client-secret is given but --client-id is not\.$/],
    [
      {username: 'u', password: 'p', clientId: 'c', clientSecret: 's'},
      /^Both user \(-u\/-p\) and client \(--client-id\/--client-secret\) credentials are given: use one\.$/,
    ],
  ])('flags %j are refused', (given, message) => {
    expect(() => chooseCredentials(given, FLAG_CREDENTIALS)).toThrow(message)
  })

  it('names env vars the way they were given', () => {
    expect(() => chooseCredentials({clientId: 'c'}, ENV_CREDENTIALS)).toThrow(/^CF_CLIENT_ID is set but CF_CLIENT_SECRET is not\.$/)
  })
})
