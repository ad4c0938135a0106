import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { tempDir } from './paths';

/** Faults a test server injects, each on the first GET of every file unless said otherwise. */
export interface Faults {
  /** Answer the first this many requests of each file (HEAD and GET) with 503. */
  unavailable?: number;
  /** Send this many bytes of the body, then cut the connection. */
  cutAfter?: number;
  /** Send this many bytes, then nothing for `ms`, then the rest. */
  stall?: { after: number; ms: number };
  /** Answer every GET with the whole file (200), as a server without Range support does. */
  ignoreRange?: boolean;
  /** Serve this file with the byte at `offset` flipped, on every request. */
  corrupt?: { file: string; offset: number };
}

export interface ServedRequest {
  method: string;
  file: string;
  /** The first byte asked for (0 without a Range header). */
  start: number;
  status: number;
}

export interface TestServer {
  url: string;
  requests: ServedRequest[];
  close(): Promise<void>;
}

/**
 * Serves a folder over HTTP as a static file server does: HEAD, GET and ranged GET (`bytes=N-`,
 * `bytes=N-M`), with `faults`; over HTTPS when given a key and certificate.
 */
export async function serveFolder(
  dir: string,
  faults: Faults = {},
  tls?: { key: Buffer; cert: Buffer },
): Promise<TestServer> {
  const requests: ServedRequest[] = [];
  const seen = new Map<string, number>();
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const file = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname.slice(1));
    const count = (seen.get(file) ?? 0) + 1;
    seen.set(file, count);
    const answer = (status: number, start = 0) => requests.push({ method: request.method ?? '', file, start, status });
    let size: number;
    try {
      size = statSync(join(dir, file)).size;
    } catch {
      answer(404);
      response.writeHead(404).end();
      return;
    }
    if (count <= (faults.unavailable ?? 0)) {
      answer(503);
      response.writeHead(503).end();
      return;
    }
    const gets = requests.filter((r) => r.file === file && r.method === 'GET').length;
    const ranged = !faults.ignoreRange && request.headers.range !== undefined;
    const [start, end] = ranged ? range(request, size) : [0, size - 1];
    const status = ranged ? 206 : 200;
    answer(status, start);
    response.writeHead(status, {
      'content-length': String(end - start + 1),
      'accept-ranges': faults.ignoreRange ? 'none' : 'bytes',
      ...(ranged ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (request.method === 'HEAD') return response.end();
    const body = fileBytes(dir, file, faults).subarray(start, end + 1);
    void send(response, body, gets === 0 ? faults : {});
  };
  return listening(tls ? createHttpsServer(tls, handler) : createServer(handler), requests, tls ? 'https' : 'http');
}

async function listening(server: Server, requests: ServedRequest[], scheme = 'http'): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A proxy in front of `target` (an S3-compatible server, say) that passes requests on unchanged and
 * injects `faults` (503s, a cut connection, a stall) into the first GET of each path.
 */
export async function faultProxy(target: string, faults: Faults): Promise<TestServer> {
  const requests: ServedRequest[] = [];
  const seen = new Map<string, number>();
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const count = (seen.get(path) ?? 0) + 1;
    seen.set(path, count);
    const start = Number(/^bytes=(\d+)-/.exec(request.headers.range ?? '')?.[1] ?? 0);
    if (count <= (faults.unavailable ?? 0)) {
      requests.push({ method: request.method ?? '', file: path, start, status: 503 });
      response.writeHead(503).end();
      return;
    }
    const body: Buffer[] = [];
    for await (const piece of request) body.push(piece as Buffer);
    const upstream = await fetch(new URL(request.url ?? '/', target), {
      method: request.method,
      headers: request.headers as Record<string, string>,
      ...(body.length > 0 ? { body: Buffer.concat(body) } : {}),
    });
    const bytes = Buffer.from(await upstream.arrayBuffer());
    const gets = requests.filter((r) => r.file === path && r.method === 'GET').length;
    requests.push({ method: request.method ?? '', file: path, start, status: upstream.status });
    const headers = Object.fromEntries(
      [...upstream.headers].filter(([name]) => name !== 'transfer-encoding' && name !== 'content-encoding'),
    );
    response.writeHead(upstream.status, headers);
    if (request.method === 'HEAD') return response.end();
    void send(response, bytes, request.method === 'GET' && gets === 0 ? faults : {});
  });
  return listening(server, requests);
}

function range(request: IncomingMessage, size: number): [number, number] {
  const match = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
  if (!match) return [0, size - 1];
  return [Number(match[1]), match[2] ? Math.min(Number(match[2]), size - 1) : size - 1];
}

function fileBytes(dir: string, file: string, faults: Faults): Buffer {
  const bytes = readFileSync(join(dir, file));
  if (faults.corrupt?.file === file) bytes[faults.corrupt.offset]! ^= 0xff;
  return bytes;
}

async function send(response: ServerResponse, body: Buffer, faults: Faults): Promise<void> {
  if (faults.cutAfter !== undefined && faults.cutAfter < body.length) {
    response.write(body.subarray(0, faults.cutAfter));
    setTimeout(() => response.socket?.destroy(), 20);
    return;
  }
  if (faults.stall && faults.stall.after < body.length) {
    response.write(body.subarray(0, faults.stall.after));
    await new Promise((resolve) => setTimeout(resolve, faults.stall!.ms));
    if (!response.destroyed) response.end(body.subarray(faults.stall.after));
    return;
  }
  response.end(body);
}

/** S3rver's fixed credentials; set in the environment, where the SDK's standard chain finds them. */
const S3RVER_KEY = 'S3RVER';

/** A folder uploaded to a local S3-compatible server (s3rver) under s3://shards/<prefix>/. */
export async function s3Folder(
  dir: string,
  prefix = 'pack',
): Promise<{ url: string; endpoint: string; close(): Promise<void> }> {
  process.env.AWS_ACCESS_KEY_ID = S3RVER_KEY;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_KEY;
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: tempDir(),
    configureBuckets: [{ name: 'shards' }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1' });
  for (const name of readdirSync(dir))
    await client.send(
      new PutObjectCommand({ Bucket: 'shards', Key: `${prefix}/${name}`, Body: readFileSync(join(dir, name)) }),
    );
  client.destroy();
  return { url: `s3://shards/${prefix}/`, endpoint, close: () => server.close() };
}

/** A self-signed key and certificate for 127.0.0.1, made with openssl; undefined where openssl is missing. */
export function selfSignedCertificate(): { key: Buffer; cert: Buffer; certFile: string } | undefined {
  const dir = tempDir();
  const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  if (made.error || made.status !== 0) return undefined;
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile };
}
