/**
 * A real HTTP server on 127.0.0.1 for the registry tests: each path is a
 * route the test defines (a document, a status, a slow or oversized
 * answer), every request is recorded, and `close()` drops any connection
 * still open (a route that never answers included).
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

/** Answers one request. */
export type Route = (req: IncomingMessage, res: ServerResponse) => void

/** A running loopback server. */
export interface Loopback {
  /** `http://127.0.0.1:<port><path>`. */
  url: (path: string) => string
  /** Defines (or replaces) the answer for `path`. */
  route: (path: string, handler: Route) => void
  /** The paths requested so far, in order. */
  requests: string[]
  close: () => Promise<void>
}

/** A route answering `body` as JSON (a string is sent as is) with `status`. */
export function json(body: unknown, status = 200): Route {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return (_req, res) => {
    res.writeHead(status, {'content-length': Buffer.byteLength(text), 'content-type': 'application/json'})
    res.end(text)
  }
}

/** A route answering a status with a short text body. */
export function status(code: number): Route {
  return (_req, res) => {
    res.writeHead(code, {'content-type': 'text/plain'})
    res.end(`status ${code}\n`)
  }
}

/** A route that sends headers, then a body trickling far slower than any timeout. */
export function slow(): Route {
  return (_req, res) => {
    res.writeHead(200, {'content-type': 'application/json'})
    res.write('{"schema": 1, ')
    // Never finishes: the client must give up on its own.
  }
}

/** A route that never answers at all. */
export function silent(): Route {
  return () => {}
}

/**
 * A route streaming `bytes` bytes of a valid-looking JSON document, with a
 * Content-Length header only when `declare` is set (so the cap must be
 * enforced on the stream itself).
 */
export function huge(bytes: number, declare: boolean): Route {
  return (_req, res) => {
    res.writeHead(200, declare ? {'content-length': bytes, 'content-type': 'application/json'} : {'content-type': 'application/json'})
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    let sent = 0
    const pump = () => {
      while (sent < bytes) {
        const size = Math.min(chunk.length, bytes - sent)
        sent += size
        if (!res.write(chunk.subarray(0, size))) {
          res.once('drain', pump)
          return
        }
      }

      res.end()
    }

    res.on('error', () => {})
    pump()
  }
}

/** Starts a loopback server with no routes (every path is 404 until routed). */
export async function startLoopback(): Promise<Loopback> {
  const routes = new Map<string, Route>()
  const requests: string[] = []
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/'
    requests.push(path)
    const route = routes.get(path.split('?')[0])
    if (route) route(req, res)
    else status(404)(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    requests,
    route: (path, handler) => routes.set(path, handler),
    url: (path) => `http://127.0.0.1:${port}${path}`,
  }
}
