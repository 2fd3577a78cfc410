/**
 * A loopback proxy in front of a sandbox that holds requests for one path until the test opens
 * the gate: a barrier between a loader and the test, where a `slow` fault's fixed delay is only a
 * guess at how long the other side needs (a process started under load can take many seconds).
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatedProxy {
  readonly url: string;
  /** Resolves when the first request for the gated path is being held. */
  readonly held: Promise<void>;
  /** Lets held and later requests through. */
  open(): void;
  close(): Promise<void>;
}

export async function startGatedProxy(target: string, gatedPath: string): Promise<GatedProxy> {
  const upstream = new URL(target);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let markHeld!: () => void;
  const held = new Promise<void>((resolve) => (markHeld = resolve));

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const proxied = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    proxied.on('error', () => res.destroy());
    req.pipe(proxied);
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path !== gatedPath) return forward(req, res);
    markHeld();
    void gate.then(() => forward(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    open,
    close: () =>
      new Promise<void>((resolve) => {
        open();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
