import {Console} from 'node:console'
// oclif's this.log uses console.log; jest's BufferedConsole would swallow it from captured output.
globalThis.console = new Console({stdout: process.stdout, stderr: process.stderr})
