import {describe, expect, it} from '@jest/globals'
import {CapiHttp} from '../../../src/capi/http.js'

/** Multi-value filters must reach Cloud Controller as raw commas, or `guids=a,b` means one GUID "a,b". */
describe('CapiHttp.url', () => {
  const h = new CapiHttp({apiUrl: 'https://api.example.test/'})
  it.each([
    {name: 'a list joins with raw commas', query: {guids: ['a', 'b', 'c']}, want: '/v3/x?guids=a,b,c'},
    {name: 'a comma inside one value is %2C', query: {names: ['a,b', 'c']}, want: '/v3/x?names=a%2Cb,c'},
    {name: 'a label selector is escaped whole', query: {label_selector: 'env=prod,tier!=batch'}, want: '/v3/x?label_selector=env%3Dprod%2Ctier!%3Dbatch'},
    {name: 'null and undefined are left out', query: {a: undefined, b: null, c: 1}, want: '/v3/x?c=1'},
  ])('$name', ({query, want}) => {
    expect(h.url('/v3/x', query)).toBe(`https://api.example.test${want}`)
  })
  it('replaces a key already in an absolute URL', () => {
    expect(h.url('https://api.example.test/v3/x?page=2&per_page=50', {per_page: 5000})).toBe('https://api.example.test/v3/x?page=2&per_page=5000')
  })
})
