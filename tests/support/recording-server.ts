/**
 * A loopback HTTP server that records every request it gets ("METHOD url" in `hits`) and answers each with
 * `answer`: the stranger a test checks is never reached.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordingServer {
  base: string;
  hits: string[];
  close(): Promise<void>;
}

export async function recordingServer(answer: (res: http.ServerResponse) => void): Promise<RecordingServer> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    answer(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
