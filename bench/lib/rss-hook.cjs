'use strict'
// Loaded with `node --require` by the bench: writes the process's peak RSS (KB, getrusage's
// ru_maxrss) to CFZD_BENCH_RSS_FILE when it exits.
const file = process.env.CFZD_BENCH_RSS_FILE
if (file) {
  process.on('exit', () => {
    try {
      require('node:fs').writeFileSync(file, String(process.resourceUsage().maxRSS))
    } catch {}
  })
}
