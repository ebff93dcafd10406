'use strict'
/**
 * ejs as oclif's help uses it (ejs.render(text, formatter)), for the help fast path: text with no
 * ejs tag is returned as it is, and `<%= config.bin %>` (the one tag cfzd's examples use) is
 * substituted and escaped as ejs would; anything else goes to ejs itself. ejs compiles every
 * string it renders into a function, which was most of the time it took to render help.
 */
const BIN = /<%=\s*config\.bin\s*%>/g
const ESCAPES = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;'}
const escapeXML = (s) => (s == null ? '' : String(s).replace(/[&<>'"]/g, (c) => ESCAPES[c]))
const plain = (t) => !t.includes('<%') && !t.includes('%>')

exports.render = function render(template, data, opts) {
  if (typeof template === 'string' && opts === undefined) {
    if (plain(template)) return template
    if (plain(template.replace(BIN, ''))) return template.replace(BIN, () => escapeXML(data?.config?.bin))
  }
  return require('ejs').render(template, data, opts)
}
