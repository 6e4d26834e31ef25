#!/usr/bin/env node
// Per-phase CPU (process.cpuUsage: a loaded machine's waiting is not counted) of a scan worker's work per
// file, in one thread over a whole tree: read, hash (SHA-1), scan + encode (the worker's form), transfer
// (a batch's copy and structured clone). Usage (after `npm run build`): node scripts/scanPhases.js TREE
// (LZ=CHECKOUT measures another checkout's build: one without scanInto is read and scanned as before).
const path = require('path'); const fs = require('fs'); const crypto = require('crypto'); const { serialize } = require('v8');
const LZ = process.env.LZ || path.join(__dirname, '..'); const out = path.join(LZ, 'out', 'engine');
const { WorkspaceIndex } = require(path.join(out, 'index', 'workspaceIndex.js'));
const { builtinCatalogue } = require(path.join(out, 'catalogue', 'catalogue.js'));
const fsn = require(path.join(out, 'index', 'fileScan.js'));
const wasm = fs.existsSync(path.join(out, 'index', 'blankBytes.js'));
const { NameTable, encodeScan } = require(path.join(out, 'index', 'scanCodec.js'));
const idx = new WorkspaceIndex({ root: process.argv[2], arch: 'arm64', catalogue: builtinCatalogue() });
const files = idx.listFiles(); const entry = idx.entryParam;
const t = new NameTable(); let o = []; let sent = 0;
const ph = { read: 0, hash: 0, scan: 0, transfer: 0 };
const cpu = () => { const c = process.cpuUsage(); return c.user + c.system; };
let bytes = 0, n = 0;
const readSpace = { b: Buffer.alloc(1 << 20) };
for (const f of files) {
  let a = cpu();
  let buf;
  if (fsn.scanInto) { // the branch's read: open, fstat, read into a reused buffer
    const fd = fs.openSync(f, 'r'); const st = fs.fstatSync(fd);
    if (readSpace.b.length < st.size + 1) readSpace.b = Buffer.allocUnsafe(2 * st.size + 1);
    let got = 0; for (;;) { const r = fs.readSync(fd, readSpace.b, got, readSpace.b.length - got, null); if (!r) break; got += r; }
    fs.closeSync(fd); buf = readSpace.b.subarray(0, got);
  } else { fs.statSync(f); buf = fs.readFileSync(f); }
  let b = cpu(); ph.read += b - a; a = b;
  crypto.createHash('sha1').update(buf).digest('base64');
  b = cpu(); ph.hash += b - a; a = b;
  if (wasm) fsn.scanInto(buf, entry, t, o, true); // the binary check in the scan's first pass (WebAssembly)
  else if (fsn.looksBinary(buf)) o.push(0, 0);
  else if (fsn.scanInto) fsn.scanInto(buf, entry, t, o);
  else encodeScan(fsn.scanFile(buf, entry), t, o);
  b = cpu(); ph.scan += b - a; a = b;
  bytes += buf.length;
  if (++n % 256 === 0 || n === files.length) { serialize({ d: Int32Array.from(o), names: t.names.slice(sent) }); sent = t.names.length; o = []; b = cpu(); ph.transfer += b - a; }
}
const tot = Object.values(ph).reduce((x, y) => x + y, 0);
console.log(`${LZ}: ${files.length} files, ${(bytes / 1e6).toFixed(0)} MB: ` + Object.entries(ph).map(([k, v]) => `${k} ${(v / 1e6).toFixed(2)} s`).join(', ') + `; total ${(tot / 1e6).toFixed(2)} s (${(bytes / tot).toFixed(0)} MB/s)`);
