/**
 * Real servers on 127.0.0.1 for what msw cannot fake: TLS certificate errors and refused
 * connections. The key below is a throwaway, self-signed for 127.0.0.1, used by tests only.
 */
import http from 'node:http'
import https from 'node:https'
import type {AddressInfo} from 'node:net'

const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYI3YCLb9cnPfg/2C
78/HfcL85aSKIHc2xNfM7SsX15yhRANCAASDK+ti0A6ThSmeGTueOV5GDPpbsZKU
vTl0Z7q7FQa8X89kli1hT/0usIjYhJblByLLMpTgPRn0ZSgJzAdHtOw5
-----END PRIVATE KEY-----`

const CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUOORQBmU1xMG+oxJkOhFlhQRICt8wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyMjIzMjM0MFoYDzIxMjYxMDI5
MjMyMzQwWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASDK+ti0A6ThSmeGTueOV5GDPpbsZKUvTl0Z7q7FQa8X89kli1hT/0u
sIjYhJblByLLMpTgPRn0ZSgJzAdHtOw5o2QwYjAdBgNVHQ4EFgQUW6m0GNZVFw0D
8NYviZ5ueFj2AigwHwYDVR0jBBgwFoAUW6m0GNZVFw0D8NYviZ5ueFj2AigwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IAOxuOgkmHGGTe0F2vKmtCsLI3CxtCFSNcl00L911flyAiEAo5prkm8syJ1cz3c1
AZdWDoLwGzl4weJgBhyDMrOAGns=
-----END CERTIFICATE-----`

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void

/** Start an https server with the self-signed certificate; returns its base URL and a closer. */
export async function selfSignedServer(handler: Handler): Promise<{url: string; close: () => Promise<void>}> {
  const server = https.createServer({key: KEY, cert: CERT}, handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {url: `https://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve()))}
}

/** A loopback URL nothing listens on (a port that was just released). */
export async function refusedUrl(): Promise<string> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}
