import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config.js';
import { contentSecurityPolicy } from './headers.js';
import { sendJson, type RouteRequest } from './route.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.wasm': 'application/wasm', '.bin': 'application/octet-stream', '.woff2': 'font/woff2',
};

/**
 * Face detection in the browser needs the model weights and the tfjs WebAssembly binaries: served from the npm packages
 * that ship them, never from a CDN. Only the files the client loads are reachable.
 */
const VENDOR: Record<'models' | 'wasm', { dir: string; files: RegExp }> = {
  models: {
    dir: fileURLToPath(new URL('../../../node_modules/@vladmandic/face-api/model/', import.meta.url)),
    files: /^(tiny_face_detector_model|face_landmark_68_tiny_model|face_recognition_model)(-weights_manifest\.json|\.bin)$/,
  },
  wasm: {
    dir: fileURLToPath(new URL('../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url)),
    files: /^tfjs-backend-wasm(-simd|-threaded-simd)?\.wasm$/,
  },
};

/** GET /models/:name and /wasm/:name: what face detection loads in the browser. */
export function serveVendorAsset({ res, params: [kind, name] }: RouteRequest): void {
  const { dir, files } = VENDOR[kind as 'models' | 'wasm'];
  const file = join(dir, name);
  if (!files.test(name) || !existsSync(file)) return sendJson(res, 404, { error: 'not found' });
  res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'public, max-age=86400' });
  createReadStream(file).pipe(res);
}

/** Origins that may frame the page beside the configured ones (the registered LMS platforms), known once `ready`. */
export interface FrameAncestorSource {
  readonly ready: Promise<void>;
  origins(): readonly string[];
}

/**
 * GET and HEAD of any other path: the web client's files from `root`, its page for anything that is not one. The page
 * may be framed by the origins of `frameAncestors` too.
 */
export function serveWebClient(root: string, config: Config, frameAncestors?: FrameAncestorSource) {
  return async ({ req, res, url }: RouteRequest): Promise<void> => {
    await frameAncestors?.ready;
    const csp = contentSecurityPolicy(config, req, frameAncestors?.origins());
    const safe = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(root, safe);
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    if (!existsSync(file)) return sendJson(res, 404, { error: 'the web client is not built: run npm run build' });
    const immutable = /\/assets\//.test(file);
    const type = MIME[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, {
      'content-type': type,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      // The app's page; other pages here (the demo test content) stand in for an LMS's and keep their own rules.
      ...(file === join(root, 'index.html') ? { 'content-security-policy': csp } : {}),
    });
    createReadStream(file).pipe(res);
  };
}
