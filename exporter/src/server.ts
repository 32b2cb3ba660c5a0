// HTTP(S) endpoints: /metrics, /health, /peers, landing page. Scrapes that arrive while a
// collection is in flight join it, and its exposition is rendered once and written to all.
import http from "node:http";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { acceptsGzip } from "./accept-encoding";
import { basicAuthChecker } from "./basic-auth";
import type { Collection, Collector } from "./collector";
import { outputChunks, renderPeerSeries } from "./exposition";
import { FAN_OUT_LIMITS, FanOut, type FanOutLimits } from "./fan-out";
import { GzipFanOut } from "./gzip-fan-out";
import { healthBody, peersBody } from "./health";
import type { Logger } from "./log";
import type { PeersFileSource } from "./peers-file";
import type { SelfMetrics } from "./self-metrics";
import { clientCertRefusal, type WebConfig } from "./web-config";
import { fullGc } from "./young-gc";

export interface ServerOptions {
  collector: Collector;
  metrics: SelfMetrics;
  peersFile: PeersFileSource | null;
  telemetryPath: string;
  exportEndpoints: boolean;
  /** gzip /metrics for scrapers that accept it (off: --web.disable-compression). */
  compression: boolean;
  webConfig: WebConfig | null;
  log: Logger;
  /** How /metrics treats scrapers that read slowly or not at all (default FAN_OUT_LIMITS). */
  fanOutLimits?: FanOutLimits;
}

export function createServer(o: ServerOptions): http.Server {
  const checkAuth = o.webConfig && o.webConfig.users.size > 0 ? basicAuthChecker(o.webConfig.users) : null;
  const extraHeaders = o.webConfig?.headers ?? {};
  let waiting: http.ServerResponse[] | null = null;
  // What a dropped scraper held lives in slabs that only a full collection unmaps.
  const collectAll = fullGc();
  if (collectAll) outputChunks.afterTrim = () => setTimeout(collectAll, 0).unref();

  const serveMetrics = (res: http.ServerResponse) => {
    if (waiting) {
      waiting.push(res);
      return;
    }
    const group = [res];
    waiting = group;
    const collection = o.collector.collect(); // starts `wg` right away
    const processText = o.metrics.processRegistry.metrics(); // while `wg` runs
    collection
      .then(async (c) => {
        waiting = null; // later scrapes get a fresh collection
        try {
          await broadcastMetrics(c, await processText, group, o);
        } finally {
          c.release();
        }
      })
      .catch((e: unknown) => {
        waiting = null;
        o.log("error", "metrics rendering failed", { error: String(e) });
        for (const r of group)
          if (!r.headersSent) r.writeHead(500).end("internal error\n");
          else r.destroy();
      });
  };

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
    const auth = checkAuth ? await checkAuth(req.headers.authorization) : "ok";
    if (auth === "busy") {
      res
        .writeHead(429, { "retry-after": "1", "content-type": "text/plain" })
        .end("Too Many Requests: password checks busy\n");
      return;
    }
    if (auth === "denied") {
      res
        .writeHead(401, { "www-authenticate": 'Basic realm="wireguard-exporter"', "content-type": "text/plain" })
        .end("Unauthorized\n");
      return;
    }
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === o.telemetryPath) return serveMetrics(res);
    if (path === "/health") {
      if (!o.collector.last) (await o.collector.collect()).release();
      const c = o.collector.last;
      const { code, body } = healthBody(c, o.peersFile?.status ?? null);
      return sendJson(res, code, body);
    }
    if (path === "/peers") {
      const c = await o.collector.collect();
      try {
        return sendJson(res, c.ok ? 200 : 503, peersBody(c, o.exportEndpoints));
      } finally {
        c.release();
      }
    }
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(landingPage(o.telemetryPath));
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("Not Found\n");
  };

  const wrapped = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handler(req, res).catch((e: unknown) => {
      o.log("error", "request failed", { path: req.url, error: String(e) });
      if (!res.headersSent) res.writeHead(500).end("internal error\n");
    });
  };
  const tls = o.webConfig?.tls;
  if (!tls) return http.createServer(wrapped);
  const server = https.createServer(tls, wrapped);
  // Registered after the server's own listener, and runs before any request has been read.
  server.on("secureConnection", (socket: TLSSocket) => {
    const refused = clientCertRefusal(socket, tls.clientAuth);
    if (refused === null) return;
    o.log("warn", "client certificate refused", {
      reason: refused,
      client_auth_type: tls.clientAuth,
      remote_address: socket.remoteAddress,
    });
    socket.destroy();
  });
  return server;
}

async function broadcastMetrics(
  c: Collection,
  processText: string,
  group: http.ServerResponse[],
  o: ServerOptions,
): Promise<void> {
  const t0 = performance.now();
  const selfText = processText + (await o.metrics.registry.metrics());
  const live = group.filter((r) => !r.destroyed);
  const gzipped = (r: http.ServerResponse) => o.compression && acceptsGzip(r.req.headers["accept-encoding"]);
  for (const r of live) r.writeHead(200, metricsHeaders(o, gzipped(r)));
  const bodies = live.filter((r) => r.req.method !== "HEAD" || (r.end(), false));
  const limits = o.fanOutLimits ?? FAN_OUT_LIMITS;
  const onDrop = () => outputChunks.trimWhenIdle();
  const plain = bodies.filter((r) => !gzipped(r));
  const compressed = bodies.filter(gzipped);
  const sinks: (FanOut | GzipFanOut)[] = [];
  if (plain.length > 0) sinks.push(new FanOut(plain, limits, o.log, onDrop));
  if (compressed.length > 0) sinks.push(new GzipFanOut(new FanOut(compressed, limits, o.log, onDrop), o.log));
  if (sinks.length === 0) return; // HEAD only
  // Encoded once, the same bytes for all receivers; back to the pool when every sink has taken it.
  const write = (chunk: Buffer | string) => {
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    let pending = sinks.length;
    const taken = () => {
      if (--pending === 0) outputChunks.release(buf);
    };
    return sinks.length === 1 ? sinks[0]!.write(buf, taken) : Promise.all(sinks.map((s) => s.write(buf, taken)));
  };
  for (const chunk of renderPeerSeries(c.tables, { exportEndpoints: o.exportEndpoints })) await write(chunk);
  await write(selfText);
  // Done when the last bytes are with the kernel (or the scrapers still reading have fallen
  // behind): only then is the collection released (and the connection events derived), so
  // that work does not hold up the tail of the response.
  const ended = Promise.all(sinks.map((s) => s.end()));
  o.log("debug", "metrics served", {
    receivers: plain.length + compressed.length,
    gzip_receivers: compressed.length,
    render_write_ms: +(performance.now() - t0).toFixed(2),
  });
  await ended;
}

/**
 * Content-Encoding as client_golang's promhttp sets it; Vary
 * whenever the body depends on Accept-Encoding (RFC 9110 §12.5.5).
 */
function metricsHeaders(o: ServerOptions, gzip: boolean): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = { "content-type": o.metrics.registry.contentType };
  if (o.compression) headers.vary = "Accept-Encoding";
  if (gzip) headers["content-encoding"] = "gzip";
  return headers;
}

function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body) + "\n");
}

function landingPage(metricsPath: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>WireGuard Exporter</title></head>
<body><h1>WireGuard Exporter</h1>
<ul>
<li><a href="${metricsPath}">Metrics</a></li>
<li><a href="/health">Health</a> (JSON, 503 when the last collection failed)</li>
<li><a href="/peers">Peers</a> (JSON)</li>
</ul></body></html>
`;
}
