/**
 * An HTTP request with a chosen Host header, as a browser sends after a DNS
 * rebinding (`Host: rebind.attacker.example:8089` to 127.0.0.1). fetch
 * cannot set Host; node:http can.
 */
import { request, type IncomingHttpHeaders } from 'node:http';

/** What came back: status, headers, body as text (and parsed, when it is JSON). */
export interface HostResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: any;
}

/** Sends `method path` to the server at `baseUrl` with `Host: host` (and `headers`, `body`), on its own connection. */
export function requestWithHost(baseUrl: string, path: string, host: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HostResponse> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname: u.hostname, port: Number(u.port), path, method: o.method ?? 'GET', agent: false, headers: { ...o.headers, host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let body: any = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: the text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
