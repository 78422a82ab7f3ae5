/**
 * A TCP proxy on loopback to a real server (ClickHouse) that forwards until
 * told to hold, then stops answering: data on open connections is taken and
 * never passed on (nor any reply passed back), new connections are accepted
 * and never answered. A dependency that worked while a service started and
 * hangs afterwards.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface HoldProxy {
  port: number;
  /** From now on nothing is forwarded in either direction. */
  hold(): void;
  /** The first line (an HTTP request line, URL-decoded) of each data chunk taken and left unanswered since {@link hold}. */
  held(): string[];
  close(): Promise<void>;
}

export async function startHoldProxy(target: { host: string; port: number }): Promise<HoldProxy> {
  const sockets = new Set<Socket>();
  let holding = false;
  const held: string[] = [];
  const take = (d: Buffer) => {
    const line = d.toString('latin1').split('\r\n', 1)[0].replace(/\+/g, ' ');
    try {
      held.push(decodeURIComponent(line));
    } catch {
      held.push(line); // not URL-encoded text (a body chunk)
    }
  };
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
  };
  const server: Server = createServer((client) => {
    track(client);
    if (holding) {
      client.on('data', take);
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.on('data', (d) => {
      if (holding) take(d);
      else upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!holding) client.write(d);
    });
    // While forwarding, a side that ends ends the other; once holding, the client is left waiting.
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => {
      if (!holding) client.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    hold: () => {
      holding = true;
    },
    held: () => held,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
