'use strict'
/**
 * string-width as oclif's help and wrap-ansi use it, for the help fast path: a string of
 * printable ASCII only (no escape codes, emoji, wide or combining characters) is as wide as it is
 * long, which is what string-width computes for it; anything else goes to string-width itself.
 * string-width builds two regular expressions on every call, and wrap-ansi calls it per word.
 */
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/

module.exports = function stringWidth(string) {
  if (typeof string === 'string' && PRINTABLE_ASCII.test(string)) return string.length
  return require('string-width')(string)
}
module.exports.default = module.exports
