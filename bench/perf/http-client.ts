// A keep-alive HTTP/1.1 client for the API under test: one socket per concurrent caller, reused across requests, so
// the figures contain the API's cost and not connection setup.
import http from 'node:http';

export interface HttpReply {
  status: number;
  body: string;
}

export class HttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(private readonly baseUrl: string) {}

  request(method: string, path: string, token: string, body?: unknown): Promise<HttpReply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${this.baseUrl}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Fails with the status and body unless the reply has the expected status. */
  async expect(status: number, method: string, path: string, token: string, body?: unknown): Promise<HttpReply> {
    const reply = await this.request(method, path, token, body);
    if (reply.status !== status) throw new Error(`${method} ${path}: ${reply.status} ${reply.body.slice(0, 300)}`);
    return reply;
  }

  close(): void {
    this.agent.destroy();
  }
}
